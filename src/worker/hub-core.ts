/**
 * The hub: one PBX session, the call book, the media bridge and the tabs that are connected.
 */
import type { CallRecord, DemoMessage, HubStatus, MediaHost, Settings, SignInOptions, SuggestedContact, TabControl } from '../shared/api.ts';
import { CallLogging } from './logging/call-logging.ts';
import { ContactBook } from './contacts/contact-book.ts';
import { WrapUp } from './calls/wrap-up.ts';
import { AppOutbox } from './apps/app-outbox.ts';
import { checkApps, type RegisteredApp } from './apps/app-registry.ts';
import { CallBook } from './calls/call-book.ts';
import { CallStore } from './store/call-store.ts';
import { DialRequests } from './apps/dial-requests.ts';
import { forget, forgetSession, keepSession, recall, recallSession, remember } from './store/credentials.ts';
import { hubError } from '../shared/errors.ts';
import { LookupSchema } from '../shared/record.ts';
import { parse } from '../shared/schema.ts';
import { SettingsPatchSchema } from '../shared/settings.ts';
import { logger } from './log.ts';
import { MediaBridge } from './sip/media-bridge.ts';
import { phoneNumbersReady, toNumber } from '../shared/phone-number.ts';
import { SipPhone } from './sip/sip-phone.ts';
import { sipInstanceId } from './sip/sip-instance.ts';

const log = logger('hub');
const LAST_ACCOUNT = 'last-account';
const SETTINGS = 'settings';
const DEFAULT_SETTINGS: Settings = { ringtone: true };
/** A call's wrap-up, when the settings say nothing: two minutes after it ends, it is final and logged. */
export const DEFAULT_WRAP_UP_SECONDS = 120;
/** The hub's built-in integrations, as the app API knows them: they read records, nothing else. */
const BUILT_IN_APPS: Record<'gmail' | 'webhook', Omit<RegisteredApp, 'origin'>> = {
  gmail: { id: 'gmail', name: 'Gmail', url: 'https://gmail.googleapis.com/', grants: ['read'], source: 'admin', rate: 1000 },
  webhook: { id: 'webhook', name: 'Webhooks', url: 'https://webhook.invalid/', grants: ['read'], source: 'admin', rate: 1000 },
};
const DAY_MS = 24 * 60 * 60 * 1000;
export const DEMO_SERVER = 'wss://demo.patchbay.invalid/ws';
/** Ports one app may hold open in one tab; connecting again closes the oldest. */
const MAX_PORTS_PER_APP = 3;

interface Tab {
  id: string;
  control: TabControl;
  cleanups: Set<() => void>;
}

export class Hub {
  readonly bridge = new MediaBridge();
  readonly phone: SipPhone;
  private statusValue: HubStatus = {
    state: 'signed-out', mediaTab: false, remembered: false, demo: false, settings: DEFAULT_SETTINGS, apps: [], dialRequests: [],
    logging: { gmail: 'unavailable', demoMailbox: false, webhooks: 0, unlogged: 0 }, contacts: 0,
  };
  private readonly statusListeners = new Set<(s: HubStatus) => void>();
  private readonly tabs = new Map<string, Tab>();
  private demoInstalled = false;
  /** The user's changes kept for apps that are not connected. */
  readonly outbox: AppOutbox;
  private adminApps: RegisteredApp[] = [];
  /** Ids of the registry's apps with the `read` grant (kept with the registry, read on every change). */
  private readers: string[] = [];
  /** Open app ports by tab and app, oldest first. */
  private readonly appPorts = new Map<string, (() => void)[]>();
  private userApps: RegisteredApp[] = [];
  /** Calls apps asked for, waiting for the user. */
  readonly dialRequests: DialRequests;
  /** Final calls to Gmail and webhooks. */
  readonly logging: CallLogging;
  /** Ended calls' wrap-up, until they are final. */
  readonly wrapUp: WrapUp;
  /** The address book: dial by name, caller ID. */
  readonly contacts: ContactBook;

  private constructor(
    readonly store: CallStore,
    readonly book: CallBook,
    readonly build: string,
  ) {
    this.phone = new SipPhone(book, this.bridge, (patch) => this.setStatus(patch));
    this.phone.instanceId = () => sipInstanceId(store);
    this.dialRequests = new DialRequests(
      () => (this.statusValue.state === 'signed-out' ? undefined : this.statusValue.aor?.replace(/^sips?:[^@]*@/i, '').replace(/[;?].*$/, '')),
      (target) => this.phone.dial(target),
      (dialRequests) => this.setStatus({ dialRequests }),
    );
    this.outbox = new AppOutbox(store);
    book.subscribe((change) => this.outbox.note(change, this.readers));
    this.bridge.onHostChange = (present) => this.setStatus({ mediaTab: present });
    book.onStorageError = (message) => this.setStatus({ storageError: message });
    this.logging = new CallLogging({
      store,
      book,
      connectBuiltIn: (id) => this.connectBuiltIn(id),
      settings: () => this.settings,
      onStatus: (logging) => this.setStatus({ logging }),
    });
    this.wrapUp = new WrapUp(book, store, (record, options) => this.logging.plan(record, options));
    this.contacts = new ContactBook(store);
    const count = () => this.setStatus({ contacts: this.contacts.size });
    this.contacts.onChange(count);
    void this.contacts.ready.then(count, (error: unknown) => log.warn('could not read the contacts', error));
    // Caller ID: a known number shows its contact from the first ring, before any app answers.
    book.enrich = (record) => this.callerId(record);
  }

  /** A new call's record with the contact its number belongs to (provenance `contacts`), if any. */
  private callerId(record: CallRecord): CallRecord {
    if (record.contact?.name) return record;
    const c = this.contacts.lookup(record.remote.number);
    if (!c) return record;
    const contact = { name: c.name, ...(c.company ? { company: c.company } : {}), ...(c.title ? { title: c.title } : {}), ...(c.emails[0] ? { email: c.emails[0] } : {}) };
    const provenance = { ...record.provenance };
    for (const k of Object.keys(contact)) provenance[`contact.${k}`] = { by: 'contacts', at: record.startedAt };
    return { ...record, contact, provenance };
  }

  /** Contacts apps wrote on recent calls whose number the book does not know: offered to save. */
  async suggestedContacts(): Promise<SuggestedContact[]> {
    await this.contacts.ready;
    const out = new Map<string, SuggestedContact>();
    for (const r of await this.book.list({ limit: 500 })) {
      const name = r.contact?.name;
      const by = r.provenance['contact.name']?.by;
      if (!name || !r.remote.number || by === 'contacts' || out.has(r.remote.number) || this.contacts.lookup(r.remote.number)) continue;
      out.set(r.remote.number, {
        name, number: r.remote.number, by: by ?? 'user', callId: r.id,
        ...(r.contact?.company ? { company: r.contact.company } : {}), ...(r.contact?.email ? { email: r.contact.email } : {}),
      });
      if (out.size >= 20) break;
    }
    return [...out.values()];
  }

  static async start(build: string, dbName?: string): Promise<Hub> {
    const store = await CallStore.open(dbName);
    const book = new CallBook(store);
    const settings: Settings = { ...DEFAULT_SETTINGS, ...((await store.getValue<Settings>(SETTINGS)) ?? {}) };
    // Calls a crash left live get the user's wrap-up, like any other ending.
    book.wrapUpMs = (settings.wrapUpSeconds ?? DEFAULT_WRAP_UP_SECONDS) * 1000;
    await book.recover();
    const hub = new Hub(store, book, build);
    hub.applySettings(settings);
    await hub.wrapUp.start();
    void hub.autoSignIn();
    // History retention: now, then once a day for as long as the hub runs.
    void hub.applyRetention();
    setInterval(() => void hub.applyRetention(), DAY_MS);
    return hub;
  }

  private async autoSignIn(): Promise<void> {
    const saved = await recall(this.store).catch(() => undefined);
    if (!saved) return;
    this.setStatus({ remembered: true });
    try {
      await this.signIn(saved);
    } catch (error) {
      log.warn('remembered sign-in failed', error);
    }
  }

  get status(): HubStatus {
    return this.statusValue;
  }

  setStatus(patch: Partial<HubStatus>): void {
    this.statusValue = { ...this.statusValue, ...patch };
    for (const l of this.statusListeners) l(this.statusValue);
  }

  onStatus(listener: (s: HubStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async signIn(options: SignInOptions): Promise<void> {
    const demo = options.server === DEMO_SERVER;
    if (demo && !this.demoInstalled) {
      const { installDemoPbx } = await import('./demo/demo-pbx.ts');
      await installDemoPbx();
      this.demoInstalled = true;
    }
    this.setStatus({ demo });
    const { password: _password, remember: keep, ...account } = options;
    // Only pre-fills the form next time: never delays or fails the sign-in.
    void this.store.setValue(LAST_ACCOUNT, account).catch((e) => log.warn('could not keep the last account', e));
    await this.phone.signIn(options);
    if (keep && !demo) {
      await remember(this.store, options);
      this.setStatus({ remembered: true });
    } else if (this.tabHosted) await keepSession(this.store, options);
  }

  /** Runs in a tab's dedicated worker (no SharedWorker): a sign-in is kept for the hub that takes over. */
  private tabHosted = false;

  /**
   * The tab that runs this hub says so, first thing. `takeover`: that tab was linked to a hub that went
   * away (its tab closed): its sign-in goes on here. Otherwise this is a fresh start: a sign-in a crash
   * left sealed is dropped.
   */
  async hostedByTab(takeover: boolean): Promise<void> {
    this.tabHosted = true;
    if (!takeover) return forgetSession(this.store);
    const saved = await recallSession(this.store);
    if (saved && this.status.state === 'signed-out') await this.signIn({ ...saved, remember: false });
  }

  signInDemo(): Promise<void> {
    return this.signIn({
      server: DEMO_SERVER,
      aor: 'sip:1001@demo.patchbay.invalid',
      username: '1001',
      password: 'demo',
      displayName: 'You (demo)',
    });
  }

  async signOut(): Promise<void> {
    await forget(this.store);
    await forgetSession(this.store);
    this.setStatus({ remembered: false });
    await this.phone.signOut();
  }

  get settings(): Settings {
    return this.statusValue.settings;
  }

  async updateSettings(input: unknown): Promise<Settings> {
    const patch = parse(SettingsPatchSchema, input, 'Settings');
    const next: Settings = { ...this.settings };
    if (patch.ringtone !== undefined) next.ringtone = patch.ringtone;
    if ('defaultCountry' in patch) next.defaultCountry = patch.defaultCountry || undefined;
    if ('retentionDays' in patch) {
      if (typeof patch.retentionDays === 'number') next.retentionDays = patch.retentionDays;
      else delete next.retentionDays;
    }
    if (patch.wrapUpSeconds !== undefined) next.wrapUpSeconds = patch.wrapUpSeconds;
    if (patch.logCalls !== undefined) next.logCalls = patch.logCalls;
    if ('timeZone' in patch) {
      if (patch.timeZone) next.timeZone = patch.timeZone;
      else delete next.timeZone;
    }
    for (const key of ['ringDevice', 'callDevice'] as const) {
      if (!(key in patch)) continue;
      if (patch[key]) next[key] = patch[key];
      else delete next[key];
    }
    if ('hourCycle' in patch) {
      if (patch.hourCycle) next.hourCycle = patch.hourCycle;
      else delete next.hourCycle;
    }
    if ('apps' in patch) {
      const apps = checkApps(patch.apps ?? [], 'user', self.location.origin);
      const clash = apps.find((a) => this.adminApps.some((b) => b.id === a.id));
      if (clash) throw hubError('InvalidArgument', `The id "${clash.id}" is taken by an app your administrator added`);
      next.apps = apps.map(({ origin: _o, ...app }) => app);
    }
    await this.store.setValue(SETTINGS, next);
    this.applySettings(next);
    if (next.retentionDays) void this.applyRetention();
    return next;
  }

  private retention: Promise<number> | undefined;

  /**
   * Deletes ended calls that started more than `retentionDays` ago (none without the setting), in
   * batches through the time index. Resolves with how many went.
   */
  applyRetention(): Promise<number> {
    const days = this.settings.retentionDays;
    if (!days) return Promise.resolve(0);
    this.retention ??= this.store
      .deleteEndedBefore(Date.now() - days * DAY_MS)
      .then((n) => {
        if (n) log.info(`deleted ${n} call(s) older than ${days} days`);
        return n;
      })
      .catch((error: unknown) => {
        log.warn('could not delete old history', error);
        return 0;
      })
      .finally(() => (this.retention = undefined));
    return this.retention;
  }

  private applySettings(settings: Settings): void {
    this.bridge.ringtone = settings.ringtone;
    this.book.wrapUpMs = (settings.wrapUpSeconds ?? DEFAULT_WRAP_UP_SECONDS) * 1000;
    this.phone.defaultCountry = settings.defaultCountry;
    this.store.defaultCountry = settings.defaultCountry;
    try {
      this.userApps = checkApps(settings.apps ?? [], 'user', self.location.origin);
    } catch (error) {
      log.warn('ignoring the saved apps', error);
      this.userApps = [];
    }
    const registry = this.registry();
    this.readers = registry.filter((a) => a.grants.includes('read')).map((a) => a.id);
    this.revokeChangedApps(registry);
    this.setStatus({ settings, apps: registry.map(({ origin: _o, rate: _r, ...app }) => app) });
  }

  /** Each app's entry as last served, to see what a registry change takes away. */
  private served = new Map<string, RegisteredApp>();

  /**
   * An app that left the registry or moved (another URL) has its ports closed (a popup it opened holds
   * no port of the hub any more) and its waiting call requests refused. Grants are read again on every
   * request; an app that lost `dial` has its waiting call requests refused too.
   */
  private revokeChangedApps(registry: RegisteredApp[]): void {
    for (const [id, was] of this.served) {
      const is = registry.find((a) => a.id === id);
      if (is && is.url === was.url) {
        if (!is.grants.includes('dial')) this.dialRequests.withdrawApp(id, 'The app may no longer place calls');
        this.served.set(id, is);
        continue;
      }
      log.info(`app ${id} ${is ? 'moved' : 'left the registry'}: closing its ports`);
      for (const [key, closers] of [...this.appPorts]) if (key.endsWith(` ${id}`)) for (const close of [...closers]) close();
      this.dialRequests.withdrawApp(id, 'The app was removed');
      if (!is) void this.outbox.forget(id);
      this.served.delete(id);
    }
  }

  /** One app's registry entry, as it is now (or a built-in integration's). */
  app(id: string): RegisteredApp | undefined {
    if (Object.hasOwn(BUILT_IN_APPS, id)) return { ...BUILT_IN_APPS[id as keyof typeof BUILT_IN_APPS], origin: self.location.origin };
    return this.registry().find((a) => a.id === id);
  }

  /**
   * A port on the app API for a built-in integration (the Gmail logger, the webhook sender): the same
   * API, guards and grants an iframed app gets, inside the hub. Its ids are reserved: no app can take them.
   */
  async connectBuiltIn(id: keyof typeof BUILT_IN_APPS): Promise<MessagePort> {
    const { serveApp } = await import('./apps/app-api.ts');
    const channel = new MessageChannel();
    serveApp(channel.port1, id, this);
    return channel.port2;
  }

  // ── Call logging ───────────────────────────────────────────────────────────────────────

  finishCall(id: string, options: { log?: boolean } = {}): Promise<CallRecord> {
    return this.wrapUp.finish(id, options);
  }

  setDontLog(id: string, dontLog: boolean): Promise<CallRecord> {
    return this.wrapUp.setDontLog(id, dontLog);
  }

  connectDemoMailbox(): Promise<void> {
    if (!this.statusValue.demo) throw hubError('InvalidState', 'The demo mailbox belongs to the demo: choose "Try the demo" first');
    return this.logging.connectDemoMailbox();
  }

  demoMailbox(): DemoMessage[] {
    return this.logging.demoMessages();
  }

  // ── Apps ───────────────────────────────────────────────────────────────────────────────

  /** The admin's apps first, then the user's that do not clash with them. */
  registry(): RegisteredApp[] {
    return [...this.adminApps, ...this.userApps.filter((a) => !this.adminApps.some((b) => b.id === a.id))];
  }

  /** The admin's apps, as a tab read them from config.json. */
  setAdminApps(list: unknown): void {
    // Unknown keys (a `source` claiming "user") are dropped by the schema.
    this.adminApps = checkApps(list ?? [], 'admin', self.location.origin);
    this.applySettings(this.settings);
  }

  /**
   * A fresh port bound to one app's grants. The tab that asked hands the other end to the app's
   * iframe; the port is closed with that tab.
   */
  async connectApp(appId: string, tab: Tab | undefined): Promise<MessagePort> {
    // The registry only: a built-in integration's id is never handed to a tab.
    const listed = () => this.registry().find((a) => a.id === appId);
    if (!listed()) throw hubError('NotFound', `No app "${appId}" in the registry`);
    // Loaded with the first app: a phone with no apps never pays for it.
    const { serveApp } = await import('./apps/app-api.ts');
    // Looked up again after the import: the registry may have changed meanwhile.
    const app = listed();
    if (!app) throw hubError('NotFound', `No app "${appId}" in the registry`);
    this.served.set(app.id, app);
    const channel = new MessageChannel();
    const closePort = serveApp(channel.port1, app.id, this);
    const disconnect = this.outbox.connect(app.id);
    // An app that connects again and again (each handshake is a new port) keeps only its newest few.
    const key = `${tab?.id ?? ''} ${app.id}`;
    const close = () => {
      closePort();
      disconnect();
      tab?.cleanups.delete(close);
      const left = (this.appPorts.get(key) ?? []).filter((c) => c !== close);
      if (left.length) this.appPorts.set(key, left);
      else this.appPorts.delete(key);
    };
    const open = [...(this.appPorts.get(key) ?? []), close];
    this.appPorts.set(key, open);
    for (const old of open.slice(0, Math.max(0, open.length - MAX_PORTS_PER_APP))) old();
    tab?.cleanups.add(close);
    log.info(`app ${app.id} connected`);
    return channel.port2;
  }

  lastAccount(): Promise<Omit<SignInOptions, 'password'> | undefined> {
    return this.store.getValue(LAST_ACCOUNT);
  }

  // ── Records with no call ───────────────────────────────────────────────────────────────

  /**
   * A lookup: a number or a business card submitted with no call. It is stored like a call
   * (kind `lookup`) and opened at once, so apps enrich it through the same loop.
   */
  async lookup(input: unknown): Promise<CallRecord> {
    const card = parse(LookupSchema, input, 'Look up');
    await phoneNumbersReady;
    const [number, name, company, email] = [card.number, card.name, card.company, card.email].map((x) => x || undefined);
    const at = Date.now();
    const id = crypto.randomUUID();
    const contact = Object.fromEntries(Object.entries({ name, company, email }).filter(([, v]) => v));
    const provenance: CallRecord['provenance'] = {};
    for (const k of Object.keys(contact)) provenance[`contact.${k}`] = { by: 'user', at };
    const record: CallRecord = {
      id,
      kind: 'lookup',
      sipCallId: '',
      direction: 'outbound',
      state: 'ended',
      remote: { number: number ? toNumber(number, this.settings.defaultCountry) : '', displayName: name, uri: '' },
      local: { uri: this.statusValue.aor ?? '' },
      events: [],
      startedAt: at,
      endedAt: at,
      secure: false,
      muted: false,
      media: 'none',
      ...(Object.keys(contact).length ? { contact } : {}),
      version: 1,
      provenance,
    };
    return this.book.add(record);
  }

  // ── Tabs ───────────────────────────────────────────────────────────────────────────────

  /**
   * Registers a tab. The tab holds the Web Lock `tab-<id>` for its whole life; asking for the
   * same lock here is granted exactly when the tab is gone (a MessagePort has no close event).
   */
  addTab(id: string, control: TabControl): Tab {
    const existing = this.tabs.get(id);
    if (existing) return existing;
    const tab: Tab = { id, control, cleanups: new Set() };
    this.tabs.set(id, tab);
    void navigator.locks.request(`tab-${id}`, () => this.removeTab(id));
    return tab;
  }

  tab(id: string): Tab | undefined {
    return this.tabs.get(id);
  }

  private removeTab(id: string): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.tabs.delete(id);
    for (const cleanup of tab.cleanups) cleanup();
    this.bridge.dropTab(id);
    log.info(`tab ${id} closed; ${this.tabs.size} left`);
  }

  claimMedia(tabId: string, host: MediaHost): void {
    this.bridge.setHost(tabId, host);
  }

  /** Tells every tab to reload, then stops, so the next tab starts the new build. */
  reloadAll(): void {
    if (this.book.liveCalls().length) throw hubError('InvalidState', 'Reload after your call: a call is live');
    for (const tab of this.tabs.values()) {
      try {
        tab.control.reload();
      } catch {
        /* the tab is gone already */
      }
    }
    setTimeout(() => (self as unknown as { close(): void }).close(), 100);
  }
}
