/**
 * The hub: one PBX session, the call book, the media bridge and the tabs that are connected.
 */
import type { CallRecord, HubStatus, MediaHost, Settings, SignInOptions, TabControl } from './api.ts';
import { CallBook } from './call-book.ts';
import { CallStore } from './call-store.ts';
import { forget, recall, remember } from './credentials.ts';
import { hubError } from './errors.ts';
import { logger } from './log.ts';
import { MediaBridge } from './media-bridge.ts';
import { toNumber } from './phone-number.ts';
import { SipPhone } from './sip-phone.ts';

const log = logger('hub');
const LAST_ACCOUNT = 'last-account';
const SETTINGS = 'settings';
const DEFAULT_SETTINGS: Settings = { ringtone: true };
export const DEMO_SERVER = 'wss://demo.patchbay.invalid/ws';

interface Tab {
  id: string;
  control: TabControl;
  cleanups: Set<() => void>;
}

export class Hub {
  readonly bridge = new MediaBridge();
  readonly phone: SipPhone;
  private statusValue: HubStatus = {
    state: 'signed-out', mediaTab: false, remembered: false, demo: false, settings: DEFAULT_SETTINGS, apps: [],
  };
  private readonly statusListeners = new Set<(s: HubStatus) => void>();
  private readonly tabs = new Map<string, Tab>();
  private demoInstalled = false;

  private constructor(
    readonly store: CallStore,
    readonly book: CallBook,
    readonly build: string,
  ) {
    this.phone = new SipPhone(book, this.bridge, (patch) => this.setStatus(patch));
    this.bridge.onHostChange = (present) => this.setStatus({ mediaTab: present });
    book.onStorageError = (message) => this.setStatus({ storageError: message });
  }

  static async start(build: string, dbName?: string): Promise<Hub> {
    const store = await CallStore.open(dbName);
    const book = new CallBook(store);
    await book.recover();
    const hub = new Hub(store, book, build);
    hub.applySettings({ ...DEFAULT_SETTINGS, ...((await store.getValue<Settings>(SETTINGS)) ?? {}) });
    void hub.autoSignIn();
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
    }
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
    this.setStatus({ remembered: false });
    await this.phone.signOut();
  }

  get settings(): Settings {
    return this.statusValue.settings;
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const next: Settings = { ...this.settings };
    if ('ringtone' in patch) {
      if (typeof patch.ringtone !== 'boolean') throw hubError('InvalidArgument', 'ringtone must be true or false');
      next.ringtone = patch.ringtone;
    }
    if ('defaultCountry' in patch) {
      const c = patch.defaultCountry;
      if (c !== undefined && c !== '' && !(typeof c === 'string' && /^[A-Za-z]{2}$/.test(c))) {
        throw hubError('InvalidArgument', `"${String(c)}" is not a two-letter country code such as GB or US`);
      }
      next.defaultCountry = c ? c.toUpperCase() : undefined;
    }
    await this.store.setValue(SETTINGS, next);
    this.applySettings(next);
    return next;
  }

  private applySettings(settings: Settings): void {
    this.bridge.ringtone = settings.ringtone;
    this.phone.defaultCountry = settings.defaultCountry;
    this.setStatus({ settings });
  }

  lastAccount(): Promise<Omit<SignInOptions, 'password'> | undefined> {
    return this.store.getValue(LAST_ACCOUNT);
  }

  // ── Records with no call ───────────────────────────────────────────────────────────────

  /**
   * A lookup: a number or a business card submitted with no call. It is stored like a call
   * (kind `lookup`) and opened at once, so apps enrich it through the same loop.
   */
  async lookup(input: { number?: string; name?: string; company?: string; email?: string }): Promise<CallRecord> {
    const clean = (v: unknown, what: string, max: number) => {
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string' || v.length > max) throw hubError('InvalidArgument', `${what} must be text of at most ${max} characters`);
      return v.trim() || undefined;
    };
    const number = clean(input?.number, 'Number', 64);
    const name = clean(input?.name, 'Name', 200);
    const company = clean(input?.company, 'Company', 200);
    const email = clean(input?.email, 'Email', 254);
    if (!number && !name && !company && !email) throw hubError('InvalidArgument', 'Give a number, a name, a company or an email to look up');
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
