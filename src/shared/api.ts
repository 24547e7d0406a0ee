/**
 * The hub's public contract. Tabs import these types only (`import type`), never values:
 * everything crosses the boundary through Comlink on a MessagePort.
 */

// The call record and its parts: one schema (record.ts), these types inferred from it.
import type { Author, CallRecord } from './record.ts';
import type { ContactInput, StoredContact } from './contacts.ts';
export type { ContactInput, StoredContact } from './contacts.ts';

export type {
  Author, CallDirection, CallEvent, CallEventType, CallOutcome, CallRecord, CallState, Contact, LogEntry, Party, Provenance, RecordKind,
} from './record.ts';

/**
 * `opened`: a previous call (or a lookup) was opened from the history and is live in the cache
 * again, so apps may enrich it. `closed`: it left the cache. `changed` lists the fields a change
 * touched ("state", "contact.name", "notes").
 */
export type CallChange =
  | {
      type: 'created' | 'updated' | 'ended' | 'opened' | 'closed';
      call: CallRecord;
      changed: string[];
      /** Who wrote an `updated` change made by a patch (a cleared field keeps no provenance to say so). */
      by?: Author;
    };

// The call feed's items (how tabs and apps follow calls: shared/call-feed.ts).

/** A change as followers hear it. `current`: the call was in the snapshot. */
export interface FeedEvent {
  type: CallChange['type'] | 'current';
  call: CallRecord;
  changed: string[];
}

/** An `updated` change of a call the follower holds at `version − 1`: the changed paths' values only. */
export interface FeedDelta {
  id: string;
  version: number;
  changed: string[];
  /** New values of the changed paths; a path missing here was cleared. */
  values: Record<string, unknown>;
  provenance: CallRecord['provenance'];
}

export type FeedItem =
  | { snapshot: { calls: CallRecord[]; /** Ids among `calls` opened for enrichment, oldest first. */ opened: string[] } }
  | { event: Exclude<FeedEvent, { type: 'current' }> }
  | { delta: FeedDelta };

/** Enrichment a user or an app may write, as dotted paths: "contact.name", "notes", "tags". */
export type FieldPatch = Record<string, unknown>;

/**
 * `missed`: inbound calls that ended unanswered (missed, declined, sent to voicemail, busy,
 * cancelled, failed, interrupted while ringing). `received`: inbound calls that were answered.
 * `dialed`: every outbound call. `all` also holds lookups and calls still ringing.
 */
export type HistoryFilter = 'all' | 'missed' | 'received' | 'dialed';

export interface HistoryQuery {
  /** Default `all`. */
  filter?: HistoryFilter;
  /**
   * Matches names, numbers in any format, notes, subject, tags, labels, company, account,
   * opportunity, ticket. Every word must match the start of a word (case and accents ignored);
   * a run of digits (spaces, dashes, brackets allowed) is one number term matched against the start
   * of the number in international, national or national-significant form. At most 200 characters.
   */
  search?: string;
  /** Opaque cursor from the previous page's `next`, with the same filter and search. */
  after?: string;
  /** Page size, 1 to 200; default 50. */
  limit?: number;
}

export interface HistoryPage {
  /** Newest first (calls that started at the same millisecond: by id). */
  calls: CallRecord[];
  /**
   * Pass as `after` for the next page; absent at the end. A search may return fewer than `limit`
   * calls, even none, with `next` set (it stopped after examining a bounded number of records, to
   * stay fast): keep asking while the view needs more and `next` is set.
   */
  next?: string;
}

export interface StorageInfo {
  usage?: number;
  quota?: number;
  persisted?: boolean;
  records: number;
}

/** An app in the registry: from config.json (admin) or added by the user in the settings. */
export interface AppEntry {
  /** Lower-case letters, digits and dashes; names the app's private area `apps.<id>`. */
  id: string;
  name: string;
  /** The page loaded in the iframe; its origin is the app's origin. */
  url: string;
  /** "read", "write:<field or prefix>", "dial". */
  grants: string[];
  /** Who listed it. */
  source: 'admin' | 'user';
}

export type RegistrationState = 'signed-out' | 'connecting' | 'registered' | 'offline' | 'failed';

export interface HubStatus {
  state: RegistrationState;
  /** The signed-in address, e.g. sip:1001@pbx.example.com. */
  aor?: string;
  displayName?: string;
  server?: string;
  /** When the next connection attempt happens (epoch ms), while connecting after a loss. */
  nextRetryAt?: number;
  /** Why the last attempt failed: "403 Forbidden", "Server unreachable". */
  reason?: string;
  /** Whether a tab currently holds the media role (audio plays there). */
  mediaTab: boolean;
  /** The credentials are remembered (encrypted) in this browser profile. */
  remembered: boolean;
  demo: boolean;
  /** Set while call records cannot be saved (e.g. the disk is full); nothing is dropped meanwhile. */
  storageError?: string;
  settings: Settings;
  /** The app registry: the admin's apps (config.json) then the user's. */
  apps: AppEntry[];
  /** Calls apps asked for, waiting for the user's Call or Cancel, oldest first. */
  dialRequests: DialRequest[];
  /** Where final calls are logged, and how that goes. */
  logging: LoggingStatus;
  /** How many contacts the address book holds (the panel reads them again when it changes). */
  contacts: number;
}

/**
 * Call logging as the panel shows it. Gmail: `unavailable` (no `gmail.clientId` in config.json and not
 * the demo), `disconnected`, `connected`, or `expired` (the token ran out or the hub restarted:
 * logging to Gmail waits, nothing is lost, until the user reconnects).
 */
export interface LoggingStatus {
  gmail: 'unavailable' | 'disconnected' | 'connected' | 'expired';
  /** Gmail is the demo's stand-in mailbox. */
  demoMailbox: boolean;
  /** Webhooks config.json lists. */
  webhooks: number;
  /** Deliveries of final calls still waiting (to be sent, retried, or for Gmail to be reconnected). */
  unlogged: number;
  /** Why the oldest of them waits, for people: "Gmail is not connected", "Gmail answered 503…". */
  waiting?: string;
}

/** The site's logging destinations, from config.json. */
export interface LoggingConfig {
  /** A Google OAuth client (web application) that may ask for the Gmail insert and labels scopes. */
  gmail?: { clientId: string };
  /** Each final call is POSTed to each of these, in this order (`webhook-1`, `webhook-2`…). */
  webhooks?: { url: string; token?: string }[];
}

/** One number of a contact that matches what the user typed (dial by name). */
export interface ContactMatch {
  contactId: string;
  name: string;
  company?: string;
  /** E.164, or as typed (an extension). */
  number: string;
  /** mobile, work, home, main, fax, other, or the source's own label. */
  type?: string;
  favourite?: boolean;
}

/** A contact apps wrote on a call that is not in the address book yet, offered to save. */
export interface SuggestedContact {
  name: string;
  company?: string;
  email?: string;
  number: string;
  /** The app that wrote it, and the call. */
  by: string;
  callId: string;
}

/** A message in the demo's stand-in mailbox. */
export interface DemoMessage {
  id: string;
  subject: string;
  from: string;
  to: string;
  /** Epoch ms. */
  date: number;
  labelNames: string[];
  snippet: string;
}

/** A call an app asked for (`phone.dial`): nothing is dialled until the user says Call. */
export interface DialRequest {
  id: string;
  appId: string;
  appName: string;
  /** What the app asked to call: a number, an extension, or a SIP address at the PBX's domain. */
  target: string;
  /** When it was asked (epoch ms); it is refused after a minute. */
  at: number;
}

/** Hub settings, shared by every tab and kept in IndexedDB. */
export interface Settings {
  /** Ring for incoming calls (in the one tab that plays audio). */
  ringtone: boolean;
  /** ISO 3166 country (e.g. "GB") for numbers that arrive without a country code. */
  defaultCountry?: string;
  /** Delete history older than this many days; absent: keep everything. */
  retentionDays?: number;
  /** Apps the user added (the admin's come from config.json). */
  apps?: AppEntry[];
  /** Seconds after a call ends before it is final and logged (0: at once); absent: 120. "Done" is sooner. */
  wrapUpSeconds?: number;
  /** Which final calls are logged: all (absent), only those a contact or an app recognised, or none. */
  logCalls?: 'all' | 'matched' | 'none';
  /** The IANA time zone times are shown and logged in; absent: the browser's. */
  timeZone?: string;
  /** A 12- or 24-hour clock; absent: the language's habit. */
  hourCycle?: 'h12' | 'h23';
  /** Where the ringtone and the calls play (a `MediaDeviceInfo.deviceId` of this profile); absent: the default. */
  ringDevice?: string;
  callDevice?: string;
}

export interface SignInOptions {
  /** ws:// or wss:// URL of the PBX's SIP-over-WebSocket endpoint. */
  server: string;
  /** sip:user@domain */
  aor: string;
  /** Defaults to the address's user part. */
  username?: string;
  password: string;
  displayName?: string;
  remember?: boolean;
}

export interface HelloReply {
  /** The build the running hub was loaded from. */
  hubBuild: string;
  /** True when the tab's build differs from the hub's: offer a reload once no call is live. */
  stale: boolean;
  /** A Web Lock the hub holds while it lives: granted to a tab that asks only once the hub is gone. */
  hubLock?: string;
}

/**
 * What the tab holding the media role provides: one RTCPeerConnection per call.
 * The hub's SessionDescriptionHandler forwards offer/answer here.
 */
export interface MediaHost {
  /** Create an offer, or an answer when a remote offer is pending. Resolves with SDP. */
  getDescription(callId: string, options: { hold?: boolean }): Promise<string>;
  /** Apply a remote offer or answer. */
  setDescription(callId: string, sdp: string, options: { hold?: boolean }): Promise<void>;
  /** Roll back a pending local offer (glare / rejected re-INVITE). */
  rollback(callId: string): Promise<void>;
  /** RFC 4733 tones; false when the connection cannot send them (the hub then uses SIP INFO). */
  sendDtmf(callId: string, tones: string): Promise<boolean>;
  setMuted(callId: string, muted: boolean): Promise<void>;
  close(callId: string): Promise<void>;
  /** Ring (or stop ringing) in this tab. */
  ring(on: boolean): Promise<void>;
}

export type Unsubscribe = () => void;

/** The API a trusted tab of the app gets (one exposed object per port). */
export interface TabApi {
  /** First call of every tab, made from inside the tab's `tab-<id>` Web Lock. */
  hello(tabId: string, build: string, control: TabControl): Promise<HelloReply>;
  /** Called by the tab that won the media lock. */
  claimMedia(tabId: string, host: MediaHost): Promise<void>;
  /**
   * Called by the tab that runs this hub in a dedicated worker (no SharedWorker), right after hello.
   * `takeover`: that tab was linked to a hub that went away; the sign-in goes on here.
   */
  hostedByTab(takeover: boolean): Promise<void>;
  /** Called by the media tab when a call's audio connects or fails. */
  reportMedia(callId: string, media: CallRecord['media']): Promise<void>;

  status(): Promise<HubStatus>;
  subscribeStatus(cb: (s: HubStatus) => void): Promise<Unsubscribe>;
  signIn(options: SignInOptions): Promise<void>;
  signInDemo(): Promise<void>;
  signOut(): Promise<void>;
  settings(): Promise<Settings>;
  /** Validates, stores and announces (in every tab's status) the new settings. */
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
  /** The last account used here (never the password), to pre-fill the sign-in form. */
  lastAccount(): Promise<Omit<SignInOptions, 'password'> | undefined>;

  dial(target: string): Promise<string>;
  /** The user's answer to an app's call request: `call` dials (resolves with the call's id), else refuses. */
  decideDial(requestId: string, call: boolean): Promise<string | undefined>;
  answer(callId: string): Promise<void>;
  decline(callId: string): Promise<void>;
  sendToVoicemail(callId: string): Promise<void>;
  /** Cancel an outgoing call that has not been answered, or hang up an established one. */
  hangUp(callId: string): Promise<void>;
  hold(callId: string): Promise<void>;
  resume(callId: string): Promise<void>;
  setMuted(callId: string, muted: boolean): Promise<void>;
  sendDtmf(callId: string, tones: string): Promise<void>;
  transfer(callId: string, target: string): Promise<void>;

  list(options?: { live?: boolean; limit?: number }): Promise<CallRecord[]>;
  get(callId: string): Promise<CallRecord | undefined>;
  /**
   * The call feed (shared/call-feed.ts): the recent calls first (`snapshot`), then every change, as a
   * delta where this tab holds the version before. Changes made in one turn of the hub arrive in one call.
   */
  subscribe(cb: (items: FeedItem[]) => void): Promise<Unsubscribe>;

  /**
   * The user's edits (notes, subject, tags, labels, contact.*, account, opportunity, ticket) to any
   * record, live or from the history. Subscribers (tabs and apps) are told.
   */
  patchCall(callId: string, fields: FieldPatch, options?: { ifVersion?: number }): Promise<{ version: number }>;
  /** Loads a previous call (or lookup) into the cache: apps get `opened` and may enrich it. */
  openCall(callId: string): Promise<CallRecord>;
  /** Takes an opened record out of the cache (`closed`). */
  closeCall(callId: string): Promise<void>;
  /** A record with no call for a number or a business card; opened at once so apps enrich it. */
  lookup(input: { number?: string; name?: string; company?: string; email?: string }): Promise<CallRecord>;

  // Call logging
  /** "Done": the wrap-up of an ended call is over, the record is final and logged (`log: false`: not logged). */
  finishCall(callId: string, options?: { log?: boolean }): Promise<CallRecord>;
  /** "Don't log this call", until the record is final. */
  setDontLog(callId: string, dontLog: boolean): Promise<CallRecord>;
  /** The site's destinations, as a tab read them from config.json. */
  setLoggingConfig(config: LoggingConfig): Promise<void>;
  /** Google's consent page to open in a popup (from the user's click); its redirect page calls `gmailAuthorized`. */
  gmailAuthorization(redirectUri: string): Promise<string>;
  /** The redirect's URL fragment (`#access_token=…&state=…`): checked, then Gmail is connected. */
  gmailAuthorized(fragment: string): Promise<void>;
  disconnectGmail(): Promise<void>;
  /** In the demo: log to a stand-in mailbox inside the hub instead of Gmail. */
  connectDemoMailbox(): Promise<void>;
  demoMailbox(): Promise<DemoMessage[]>;
  /** Tries every waiting delivery now. */
  retryLogging(): Promise<void>;

  // Contacts
  /** Contacts matching what was typed (name, company, any part of a number), one option per number. */
  searchContacts(query: string, limit?: number): Promise<ContactMatch[]>;
  favouriteContacts(): Promise<StoredContact[]>;
  listContacts(options?: { query?: string; offset?: number; limit?: number }): Promise<{ contacts: StoredContact[]; total: number }>;
  /** Adds a contact (no id) or replaces one. */
  saveContact(contact: ContactInput, id?: string): Promise<StoredContact>;
  setFavourite(id: string, favourite: boolean): Promise<StoredContact>;
  deleteContacts(ids: string[]): Promise<void>;
  /** A vCard (3.0, 4.0, 2.1) or CSV (Google, Outlook) file's text. */
  importContacts(text: string, format: 'vcard' | 'csv'): Promise<{ added: number; duplicates: number; skipped: { index: number; reason: string }[] }>;
  exportContacts(format: 'vcard' | 'csv'): Promise<string>;
  /** Contacts apps found on recent calls that the book does not have. */
  suggestedContacts(): Promise<SuggestedContact[]>;

  /** One page of the history, newest first; read with cursors, never the whole store. */
  history(query: HistoryQuery): Promise<HistoryPage>;
  /** The history (filtered like `history`, or all) as CSV or JSON text. */
  exportHistory(query: HistoryQuery & { format: 'csv' | 'json' }): Promise<string>;
  /** Imports a JSON export; records already present (same id) are skipped. */
  importHistory(json: string): Promise<{ added: number; skipped: number }>;
  storageInfo(): Promise<StorageInfo>;

  /** The admin's apps, as the tab read them from config.json. */
  setAdminApps(apps: Omit<AppEntry, 'source'>[]): Promise<void>;
  /** A fresh port bound to that app's grants, for the tab to hand to the app's iframe. */
  connectApp(appId: string): Promise<MessagePort>;

  /** Tell every tab to reload and stop this hub, so the next tab starts the new build. */
  reloadAll(): Promise<void>;
}

/** Pushed to each tab on its control channel (besides the TabApi calls it makes). */
export interface TabControl {
  reload(): void;
}

export type { HubErrorName } from './errors.ts';

declare global {
  /**
   * The contract names a port without taking a DOM or worker library: to it a port is an opaque handle,
   * and in the realms that have one this declaration merges with theirs.
   */
  interface MessagePort {} // eslint-disable-line @typescript-eslint/no-empty-object-type
}
