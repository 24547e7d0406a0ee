/**
 * The API a trusted tab of the app gets: one object per port. Iframed apps get a narrower API of
 * their own (apps/app-api.ts), never this one. Arguments are checked with the contract's schemas.
 */
import { proxy, transfer } from 'comlink';
import type { AppEntry, CallRecord, FieldPatch, HelloReply, HistoryQuery, HubStatus, MediaHost, SignInOptions, TabApi, TabControl } from '../shared/api.ts';
import type { FeedItem } from '../shared/call-feed.ts';
import * as v from 'valibot';
import { callId, parse, text as textSchema } from '../shared/schema.ts';
import { openFeed } from './calls/call-feed.ts';
import { checkPatch } from '../shared/fields.ts';
import { exportHistory, historyPage, importHistory, parseExportQuery, parseHistoryQuery, storageInfo } from './history/history.ts';
import type { Hub } from './hub-core.ts';
import { hubLock } from './hub-lock.ts';

/** A text argument of at most `max` characters, through the contract's one formatter. */
const text = (value: unknown, what: string, max = 512): string => parse(textSchema(max), value, what);
/** A call id argument: the record schema's rule. */
const callIdArg = (value: unknown): string => parse(callId, value, 'call id');
const MediaSchema = v.picklist(['none', 'connecting', 'connected', 'failed'], 'a media state');
const PatchOptionsSchema = v.optional(v.object({ ifVersion: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) }), {});

const FormatSchema = v.picklist(['vcard', 'csv'], 'vcard or csv');
const ContactIdSchema = v.pipe(v.string('a contact id'), v.uuid('a contact id'));
const ListContactsSchema = v.optional(v.strictObject({
  query: v.optional(textSchema(100)),
  offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
}), {});
/** The largest contacts file read (the panel refuses bigger ones before reading them). */
const MAX_CONTACTS_FILE = 64 * 1024 * 1024;

const SignInSchema = v.object({
  server: textSchema(512),
  aor: textSchema(512),
  username: v.optional(textSchema(128)),
  password: textSchema(512),
  displayName: v.optional(textSchema(128)),
  remember: v.optional(v.boolean()),
});

export function createTabApi(ready: Promise<Hub>): TabApi {
  let tabId: string | undefined;
  /** Subscriptions made before hello (or without a tab) are released with the port's tab. */
  const pending = new Set<() => void>();

  const own = async (unsubscribe: () => void) => {
    const hub = await ready;
    const tab = tabId ? hub.tab(tabId) : undefined;
    const bucket = tab?.cleanups ?? pending;
    bucket.add(unsubscribe);
    return proxy(() => {
      bucket.delete(unsubscribe);
      unsubscribe();
    });
  };

  const api: TabApi = {
    async hello(id: string, build: string, control: TabControl): Promise<HelloReply> {
      const hub = await ready;
      tabId = text(id, 'tab id', 64);
      const tab = hub.addTab(tabId, control);
      for (const c of pending) tab.cleanups.add(c);
      pending.clear();
      return { hubBuild: hub.build, stale: text(build, 'build', 64) !== hub.build, hubLock: await hubLock };
    },
    async claimMedia(id: string, host: MediaHost) {
      (await ready).claimMedia(text(id, 'tab id', 64), host);
    },
    async hostedByTab(takeover: boolean) {
      await (await ready).hostedByTab(parse(v.boolean('takeover: true or false'), takeover, 'takeover'));
    },
    async reportMedia(callId: string, media: CallRecord['media']) {
      const hub = await ready;
      const state = parse(MediaSchema, media, 'media');
      if (hub.book.getLive(callId)) await hub.book.write(callId, 'pbx', { media: state });
    },
    async status() {
      return (await ready).status;
    },
    async subscribeStatus(cb: (s: HubStatus) => void) {
      const hub = await ready;
      void cb(hub.status);
      return own(hub.onStatus((s) => void cb(s)));
    },
    async signIn(options: SignInOptions) {
      const hub = await ready;
      const o = parse(SignInSchema, options, 'Sign in');
      await hub.signIn({ ...o, username: o.username || undefined, displayName: o.displayName || undefined, remember: o.remember === true });
    },
    async signInDemo() {
      await (await ready).signInDemo();
    },
    async signOut() {
      await (await ready).signOut();
    },
    async settings() {
      return (await ready).settings;
    },
    async updateSettings(patch) {
      return (await ready).updateSettings(patch);
    },
    async lastAccount() {
      return (await ready).lastAccount();
    },
    async dial(target: string) {
      return (await ready).phone.dial(text(target, 'Number', 256));
    },
    async decideDial(requestId: string, call: boolean) {
      return (await ready).dialRequests.decide(text(requestId, 'request id', 64), call === true);
    },
    async answer(id: string) {
      await (await ready).phone.answer(callIdArg(id));
    },
    async decline(id: string) {
      await (await ready).phone.decline(callIdArg(id));
    },
    async sendToVoicemail(id: string) {
      await (await ready).phone.sendToVoicemail(callIdArg(id));
    },
    async hangUp(id: string) {
      await (await ready).phone.hangUp(callIdArg(id));
    },
    async hold(id: string) {
      await (await ready).phone.hold(callIdArg(id));
    },
    async resume(id: string) {
      await (await ready).phone.resume(callIdArg(id));
    },
    async setMuted(id: string, muted: boolean) {
      await (await ready).phone.setMuted(callIdArg(id), muted === true);
    },
    async sendDtmf(id: string, tones: string) {
      await (await ready).phone.sendDtmf(callIdArg(id), text(tones, 'tones', 32));
    },
    async transfer(id: string, target: string) {
      await (await ready).phone.transfer(callIdArg(id), text(target, 'Transfer to', 256));
    },
    async list(options?: { live?: boolean; limit?: number }) {
      return (await ready).book.list({ live: options?.live === true, limit: Number(options?.limit) || undefined });
    },
    async get(id: string) {
      return (await ready).book.get(callIdArg(id));
    },
    async subscribe(cb: (items: FeedItem[]) => void) {
      const hub = await ready;
      const feed = openFeed(hub.book, () => hub.book.list({ limit: 50 }), (items) => void cb(items));
      return own(() => feed.close());
    },
    async patchCall(id: string, fields: FieldPatch, options?: { ifVersion?: number }) {
      const hub = await ready;
      // No own area: the user writes enrichment only (an app's area is refused by checkPatch).
      const checked = checkPatch(fields);
      const { ifVersion } = parse(PatchOptionsSchema, options, 'options');
      const record = await hub.book.patch(callIdArg(id), 'user', checked, ifVersion);
      return { version: record.version };
    },
    async openCall(id: string) {
      return (await ready).book.open(callIdArg(id));
    },
    async closeCall(id: string) {
      await (await ready).book.close(callIdArg(id));
    },
    async lookup(input) {
      return (await ready).lookup(input);
    },
    async finishCall(id: string, options?: { log?: boolean }) {
      const o = parse(v.optional(v.strictObject({ log: v.optional(v.boolean('true or false')) }), {}), options, 'options');
      return (await ready).finishCall(callIdArg(id), o);
    },
    async setDontLog(id: string, dontLog: boolean) {
      return (await ready).setDontLog(callIdArg(id), parse(v.boolean('true or false'), dontLog, "Don't log"));
    },
    async setLoggingConfig(config: unknown) {
      (await ready).logging.setConfig(config);
    },
    async gmailAuthorization(redirectUri: string) {
      return (await ready).logging.gmailAuthorization(text(redirectUri, 'redirect page', 2048));
    },
    async gmailAuthorized(fragment: string) {
      await (await ready).logging.gmailAuthorized(text(fragment, 'answer from Google', 8192));
    },
    async disconnectGmail() {
      (await ready).logging.disconnectGmail();
    },
    async connectDemoMailbox() {
      await (await ready).connectDemoMailbox();
    },
    async demoMailbox() {
      return (await ready).demoMailbox();
    },
    async retryLogging() {
      await (await ready).logging.retry();
    },
    async searchContacts(query: string, limit?: number) {
      const hub = await ready;
      await hub.contacts.ready;
      const n = parse(v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 8), limit, 'limit');
      return hub.contacts.search(text(query, 'search', 100), n);
    },
    async favouriteContacts() {
      const hub = await ready;
      await hub.contacts.ready;
      return hub.contacts.favourites();
    },
    async listContacts(options) {
      const hub = await ready;
      await hub.contacts.ready;
      return hub.contacts.list(parse(ListContactsSchema, options, 'options'));
    },
    async saveContact(contact, id) {
      const hub = await ready;
      return hub.contacts.save(contact, id === undefined ? undefined : parse(ContactIdSchema, id, 'contact id'));
    },
    async setFavourite(id, favourite) {
      return (await ready).contacts.setFavourite(parse(ContactIdSchema, id, 'contact id'), parse(v.boolean(), favourite, 'favourite'));
    },
    async deleteContacts(ids) {
      await (await ready).contacts.remove(parse(v.pipe(v.array(ContactIdSchema), v.maxLength(100_000)), ids, 'contact ids'));
    },
    async importContacts(file, format) {
      const hub = await ready;
      const body = parse(v.pipe(v.string('the text of a file'), v.maxLength(MAX_CONTACTS_FILE, 'a file of at most 64 MB')), file, 'Import');
      const kind = parse(FormatSchema, format, 'format');
      const options = { defaultCountry: hub.settings.defaultCountry };
      const { parseVCards } = await import('./contacts/vcard.ts');
      const { parseContactsCsv } = await import('./contacts/csv.ts');
      const read = kind === 'vcard' ? await parseVCards(body, options) : await parseContactsCsv(body, options);
      const { added, duplicates } = await hub.contacts.addMany(read.contacts);
      return { added, duplicates, skipped: read.skipped.slice(0, 100) };
    },
    async exportContacts(format) {
      const hub = await ready;
      await hub.contacts.ready;
      const kind = parse(FormatSchema, format, 'format');
      if (kind === 'vcard') return (await import('./contacts/vcard.ts')).writeVCards(hub.contacts.all());
      return (await import('./contacts/csv.ts')).writeContactsCsv(hub.contacts.all());
    },
    async suggestedContacts() {
      return (await ready).suggestedContacts();
    },
    async history(query: HistoryQuery) {
      const q = parseHistoryQuery(query);
      return historyPage((await ready).store, q);
    },
    async exportHistory(query: HistoryQuery & { format: 'csv' | 'json' }) {
      const q = parseExportQuery(query);
      return exportHistory((await ready).store, q);
    },
    async importHistory(json: string) {
      parse(v.string('the text of a JSON export'), json, 'Import');
      return importHistory((await ready).store, json);
    },
    async storageInfo() {
      return storageInfo((await ready).store);
    },
    async setAdminApps(apps: Omit<AppEntry, 'source'>[]) {
      (await ready).setAdminApps(apps);
    },
    async connectApp(appId: string) {
      const hub = await ready;
      const port = await hub.connectApp(text(appId, 'app id', 64), tabId ? hub.tab(tabId) : undefined);
      return transfer(port, [port]);
    },
    async reloadAll() {
      (await ready).reloadAll();
    },
  };
  return api;
}
