/**
 * Call logging, the hub's side: which destinations a final call goes to (Gmail, the site's webhooks),
 * the Gmail connection (an OAuth token in memory only), and the outbox that delivers. The destinations
 * themselves are built-in integrations (src/integrations): each reads the record through its own port
 * on the app API, with the `read` grant, as an iframed app would.
 *
 * Gmail's connection:
 * ```
 *  unavailable (no client id, not the demo)
 *  disconnected ──consent (popup)──▶ connected ──token expires / 401 / hub restarts──▶ expired
 *       ▲                              │  ▲                                              │
 *       └──────── "Disconnect" ────────┘  └──────────────── "Reconnect" ─────────────────┘
 * ```
 * While Gmail is not connected, its deliveries wait (nothing is lost) and the others go on.
 */
import type { CallRecord, DemoMessage, LogEntry, LoggingConfig, LoggingStatus, Settings } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';
import { parse } from '../../shared/schema.ts';
import type { Patchbay } from '../../integrations/sdk/client.ts';
import type { Fetch } from '../../integrations/delivery.ts';
import type { CallBook } from '../calls/call-book.ts';
import type { CallStore } from '../store/call-store.ts';
import { DeliveryOutbox, type Destination } from './delivery-outbox.ts';
import { LoggingConfigSchema } from '../../shared/logging.ts';
import { logger } from '../log.ts';

const log = logger('logging');

let integrations: Promise<typeof import('./integrations.ts')> | undefined;
const load = () => (integrations ??= import('./integrations.ts'));

/** Gmail: 250 quota units a second per user, 25 per insert, a few per label call: at most 5 inserts a second. */
const GMAIL_SPACING_MS = 200;
const WEBHOOK_SPACING_MS = 20;
/** The consent page must come back within this long. */
const CONSENT_MS = 10 * 60_000;

const NOT_CONNECTED = 'Gmail is not connected: choose "Reconnect Gmail" in Settings';
/** Kept (without the token) while the user means Gmail to be connected: after a restart it says "Reconnect". */
const GMAIL_WANTED = 'gmail-connected';

interface DemoMailbox {
  fetch: Fetch;
  messages(): DemoMessage[];
  token: string;
}

export interface LoggingHost {
  readonly store: CallStore;
  readonly book: CallBook;
  /** A port on the app API for one of the hub's built-in integrations. */
  connectBuiltIn(id: 'gmail' | 'webhook'): Promise<MessagePort>;
  settings(): Settings;
  onStatus(status: LoggingStatus): void;
}

export class CallLogging {
  private config: LoggingConfig = {};
  /** Set once a tab has passed config.json on: until then nothing is delivered. */
  private configured = false;
  private gmail: { token: string; expiresAt: number } | undefined;
  private gmailExpired = false;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private consent: { state: string; redirectUri: string; clientId: string; at: number } | undefined;
  private demo: DemoMailbox | undefined;
  private clients = new Map<string, Promise<Patchbay>>();
  private destinations = new Map<string, Destination>();
  readonly outbox: DeliveryOutbox;
  private unlogged = 0;

  constructor(private readonly host: LoggingHost) {
    this.outbox = new DeliveryOutbox(host.store, host.book, (to) => this.destination(to), () => void this.refresh());
    self.addEventListener('online', () => void this.outbox.kick({ all: true }));
    // The token died with the previous hub: if Gmail was connected then, it needs reconnecting now.
    void host.store.getValue<boolean>(GMAIL_WANTED).then((wanted) => {
      if (wanted && !this.gmail) {
        this.gmailExpired = true;
        void this.refresh();
      }
    }).catch(() => undefined);
    // A call made final has its deliveries queued (wrap-up.ts): send them.
    host.book.subscribe((change) => {
      if (!change.changed.includes('finalAt')) return;
      void this.refresh();
      void this.outbox.kick();
    });
  }

  /** The site's destinations (config.json). Delivery starts with the first tab that passes them. */
  setConfig(input: unknown): void {
    const config = parse(LoggingConfigSchema, input ?? {}, 'config.json');
    this.config = config;
    this.configured = true;
    this.destinations.clear();
    void this.refresh();
    void this.outbox.kick();
  }

  // ── Which calls go where ───────────────────────────────────────────────────────────────

  /** The destinations a call made final now goes to. */
  private destinationKeys(): string[] {
    const keys = this.config.gmail || this.demo ? ['gmail'] : [];
    (this.config.webhooks ?? []).forEach((_, i) => keys.push(`webhook-${i + 1}`));
    return keys;
  }

  /**
   * A final record's log entries (wrap-up.ts queues the pending ones); `undefined` until a tab has
   * passed config.json on. A hub that starts finds the calls whose wrap-up ran out while it was
   * stopped due at once, before any tab has said where calls go: they wait for it.
   */
  plan(record: CallRecord, options: { log: boolean }): Record<string, LogEntry> | undefined {
    if (!this.configured) return undefined;
    const at = Date.now();
    const which = this.host.settings().logCalls ?? 'all';
    const matched = Boolean(record.contact && Object.keys(record.contact).length) || Boolean(record.apps && Object.keys(record.apps).length);
    const skipped =
      !options.log || record.dontLog ? 'You chose not to log this call'
        : which === 'none' ? 'Logging is off in Settings'
          : which === 'matched' && !matched ? 'No contact or app recognised the caller (Settings: log recognised calls only)'
            : undefined;
    return Object.fromEntries(
      this.destinationKeys().map((to) => [to, skipped ? { status: 'skipped', at, reason: skipped } : { status: 'pending', at }]),
    );
  }

  // ── Delivering ─────────────────────────────────────────────────────────────────────────

  /** The destination to deliver to now, or why it waits. */
  private destination(to: string): Destination | string {
    if (!this.configured) return 'Waiting for the site configuration';
    // Built again when the time zone calls are logged in changes.
    const key = to === 'gmail' ? `gmail ${this.host.settings().timeZone ?? ''}` : to;
    const existing = this.destinations.get(key);
    if (existing) return existing;
    if (to === 'gmail') {
      const source = this.demo
        ? { fetch: this.demo.fetch, token: () => this.demo?.token }
        : this.gmail && this.config.gmail
          ? { fetch: network, token: () => this.gmail?.token }
          : undefined;
      if (!source) return this.config.gmail || this.demo ? NOT_CONNECTED : 'Gmail is not set up on this site';
      const timeZone = this.host.settings().timeZone;
      let logger: Promise<{ deliver(id: string): Promise<{ ref: string }> }> | undefined;
      const destination: Destination = {
        spacingMs: GMAIL_SPACING_MS,
        deliver: async (id) => {
          logger ??= load().then((m) => new m.GmailLogger({ calls: this.reader('gmail'), api: new m.GmailApi(source.fetch, source.token), timeZone }));
          try {
            return await (await logger).deliver(id);
          } catch (error) {
            // A token Gmail no longer takes: everything for Gmail waits for the user to reconnect.
            if ((error as { retry?: string })?.retry === 'reconnect' && !this.demo) this.expire();
            throw error;
          }
        },
      };
      for (const k of this.destinations.keys()) if (k.startsWith('gmail')) this.destinations.delete(k);
      this.destinations.set(key, destination);
      return destination;
    }
    const n = /^webhook-(\d+)$/.exec(to)?.[1];
    const hook = n ? this.config.webhooks?.[Number(n) - 1] : undefined;
    if (!hook) return `${to} is no longer in config.json`;
    let sender: Promise<{ deliver(id: string): Promise<{ ref: string }> }> | undefined;
    const destination: Destination = {
      spacingMs: WEBHOOK_SPACING_MS,
      deliver: async (id) => {
        sender ??= load().then((m) => new m.WebhookSender({ url: hook.url, token: hook.token, fetch: network, calls: this.reader('webhook') }));
        return (await sender).deliver(id);
      },
    };
    this.destinations.set(to, destination);
    return destination;
  }

  /** Reads records through the integration's own port on the app API. */
  private reader(id: 'gmail' | 'webhook'): { get(callId: string): Promise<CallRecord | undefined> } {
    return {
      get: async (callId) => {
        let client = this.clients.get(id);
        if (!client) this.clients.set(id, (client = Promise.all([this.host.connectBuiltIn(id), load()]).then(([port, m]) => m.attach(port))));
        return (await client).calls.get(callId);
      },
    };
  }

  retry(): Promise<void> {
    return this.outbox.kick({ all: true });
  }

  // ── Gmail's connection ─────────────────────────────────────────────────────────────────

  /** Google's consent page for this site's client, to open in a popup. */
  async gmailAuthorization(redirectUri: string): Promise<string> {
    const clientId = this.config.gmail?.clientId;
    if (!clientId) throw hubError('InvalidState', 'Gmail is not set up on this site: config.json has no gmail.clientId');
    let uri: URL;
    try {
      uri = new URL(redirectUri);
    } catch {
      throw hubError('InvalidArgument', 'The redirect page is not a URL');
    }
    if (uri.origin !== self.location.origin) throw hubError('InvalidArgument', 'The redirect page must be on this site');
    const state = crypto.randomUUID();
    this.consent = { state, redirectUri: uri.href, clientId, at: Date.now() };
    return (await load()).authorizationUrl({ clientId, redirectUri: uri.href, state });
  }

  /** The consent page's answer (the redirect's fragment): checked against the state asked with. */
  async gmailAuthorized(fragment: string): Promise<void> {
    const consent = this.consent;
    if (!consent || Date.now() - consent.at > CONSENT_MS) {
      throw hubError('InvalidState', 'No Gmail connection was asked for in the last 10 minutes: choose "Connect Gmail" again');
    }
    const { readRedirect } = await load();
    let answer: ReturnType<typeof readRedirect>;
    try {
      answer = readRedirect(String(fragment).slice(0, 8192), consent.state);
    } catch (error) {
      throw hubError('PermissionDenied', (error as Error).message);
    }
    this.consent = undefined;
    this.gmail = { token: answer.token, expiresAt: answer.expiresAt };
    this.gmailExpired = false;
    for (const k of this.destinations.keys()) if (k.startsWith('gmail')) this.destinations.delete(k);
    clearTimeout(this.expiryTimer);
    // A minute early: a delivery never starts with a token about to run out.
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, answer.expiresAt - Date.now() - 60_000));
    log.info('Gmail connected');
    void this.host.store.setValue(GMAIL_WANTED, true).catch(() => undefined);
    void this.refresh();
    void this.outbox.kick({ all: true });
  }

  disconnectGmail(): void {
    const token = this.gmail?.token;
    this.gmail = undefined;
    this.gmailExpired = false;
    this.demo = undefined;
    for (const k of this.destinations.keys()) if (k.startsWith('gmail')) this.destinations.delete(k);
    clearTimeout(this.expiryTimer);
    void this.host.store.deleteValue(GMAIL_WANTED).catch(() => undefined);
    // Tells Google to forget the grant too; best effort, the token is gone from here either way.
    if (token) void fetch(`https://oauth2.googleapis.com/revoke?token=${encodeURIComponent(token)}`, { method: 'POST' }).catch(() => undefined);
    void this.refresh();
  }

  private expire(): void {
    if (!this.gmail) return;
    this.gmail = undefined;
    this.gmailExpired = true;
    for (const k of this.destinations.keys()) if (k.startsWith('gmail')) this.destinations.delete(k);
    log.info('Gmail token expired: logging to Gmail waits for a reconnect');
    void this.refresh();
  }

  /** The demo: Gmail is a stand-in mailbox inside the hub. */
  async connectDemoMailbox(): Promise<void> {
    if (!this.demo) {
      const { demoMailbox } = await import('../demo/demo-mailbox.ts');
      this.demo = demoMailbox();
    }
    for (const k of this.destinations.keys()) if (k.startsWith('gmail')) this.destinations.delete(k);
    void this.refresh();
    void this.outbox.kick({ all: true });
  }

  demoMessages(): DemoMessage[] {
    if (!this.demo) throw hubError('InvalidState', 'The demo mailbox is not connected');
    return this.demo.messages();
  }

  // ── Status ─────────────────────────────────────────────────────────────────────────────

  status(): LoggingStatus {
    return {
      gmail: this.demo || this.gmail ? 'connected' : this.config.gmail ? (this.gmailExpired ? 'expired' : 'disconnected') : 'unavailable',
      demoMailbox: Boolean(this.demo),
      webhooks: this.config.webhooks?.length ?? 0,
      unlogged: this.unlogged,
      ...(this.unlogged && this.outbox.waiting ? { waiting: this.outbox.waiting } : {}),
    };
  }

  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private refresh(): Promise<void> {
    // One count at a time (a drain of a thousand calls asks after every delivery), and one more after it.
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.host.store
      .countCallsWaiting()
      .then((n) => {
        this.unlogged = n;
        this.host.onStatus(this.status());
      })
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          void this.refresh();
        }
      });
    return this.refreshing;
  }
}

/** The network (each integration gives up on a request that hangs, and retries it later). */
const network: Fetch = (request) => fetch(request);
