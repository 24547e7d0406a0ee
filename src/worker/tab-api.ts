/**
 * The API a trusted tab of the app gets: one object per port. Iframed apps will get a narrower,
 * validated AppApi beside it, never this one.
 */
import { proxy, transfer } from 'comlink';
import type { AppEntry, CallChange, CallRecord, FieldPatch, HelloReply, HistoryQuery, HubStatus, MediaHost, SignInOptions, TabApi, TabControl } from '../shared/api.ts';
import { hubError } from '../shared/errors.ts';
import { checkPatch } from '../shared/fields.ts';
import { exportHistory, historyPage, importHistory, parseExportQuery, parseHistoryQuery, storageInfo } from './history/history.ts';
import type { Hub } from './hub-core.ts';

function text(value: unknown, what: string, max = 512): string {
  if (typeof value !== 'string' || value.length > max) throw hubError('InvalidArgument', `${what} must be text of at most ${max} characters`);
  return value;
}

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
      return { hubBuild: hub.build, stale: text(build, 'build', 64) !== hub.build };
    },
    async claimMedia(id: string, host: MediaHost) {
      (await ready).claimMedia(text(id, 'tab id', 64), host);
    },
    async reportMedia(callId: string, media: CallRecord['media']) {
      const hub = await ready;
      if (!['none', 'connecting', 'connected', 'failed'].includes(media)) throw hubError('InvalidArgument', 'unknown media state');
      if (hub.book.getLive(callId)) await hub.book.write(callId, 'pbx', { media });
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
      await hub.signIn({
        server: text(options.server, 'Server'),
        aor: text(options.aor, 'SIP address'),
        username: options.username ? text(options.username, 'Username', 128) : undefined,
        password: text(options.password, 'Password'),
        displayName: options.displayName ? text(options.displayName, 'Display name', 128) : undefined,
        remember: options.remember === true,
      });
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
      if (typeof patch !== 'object' || patch === null) throw hubError('InvalidArgument', 'settings must be an object');
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
      await (await ready).phone.answer(text(id, 'call id', 64));
    },
    async decline(id: string) {
      await (await ready).phone.decline(text(id, 'call id', 64));
    },
    async sendToVoicemail(id: string) {
      await (await ready).phone.sendToVoicemail(text(id, 'call id', 64));
    },
    async hangUp(id: string) {
      await (await ready).phone.hangUp(text(id, 'call id', 64));
    },
    async hold(id: string) {
      await (await ready).phone.hold(text(id, 'call id', 64));
    },
    async resume(id: string) {
      await (await ready).phone.resume(text(id, 'call id', 64));
    },
    async setMuted(id: string, muted: boolean) {
      await (await ready).phone.setMuted(text(id, 'call id', 64), muted === true);
    },
    async sendDtmf(id: string, tones: string) {
      await (await ready).phone.sendDtmf(text(id, 'call id', 64), text(tones, 'tones', 32));
    },
    async transfer(id: string, target: string) {
      await (await ready).phone.transfer(text(id, 'call id', 64), text(target, 'Transfer to', 256));
    },
    async list(options?: { live?: boolean; limit?: number }) {
      return (await ready).book.list({ live: options?.live === true, limit: Number(options?.limit) || undefined });
    },
    async get(id: string) {
      return (await ready).book.get(text(id, 'call id', 64));
    },
    async subscribe(cb: (changes: CallChange[]) => void) {
      const hub = await ready;
      // Current state first, then deltas: register before reading so nothing falls in between.
      // Changes of one turn go out as one message (one Comlink call), not one each.
      let pending: CallChange[] | undefined = [];
      let live = false;
      const flush = () => {
        const batch = pending;
        pending = undefined;
        if (batch?.length) void cb(batch);
      };
      const off = hub.book.subscribe((change) => {
        if (!pending) {
          pending = [];
          if (live) queueMicrotask(flush);
        }
        pending.push(change);
      });
      const calls = await hub.book.list({ limit: 50 });
      const before = pending ?? [];
      pending = undefined;
      void cb([{ type: 'snapshot', calls, opened: hub.book.openedIds() }, ...before]);
      live = true;
      return own(off);
    },
    async patchCall(id: string, fields: FieldPatch, options?: { ifVersion?: number }) {
      const hub = await ready;
      const checked = checkPatch(fields);
      for (const path of checked.keys()) {
        if (path.startsWith('apps.')) throw hubError('PermissionDenied', `${path} belongs to an app`);
      }
      const ifVersion = options?.ifVersion;
      if (ifVersion !== undefined && !Number.isSafeInteger(ifVersion)) throw hubError('InvalidArgument', 'ifVersion must be an integer');
      const record = await hub.book.patch(text(id, 'call id', 64), 'user', checked, ifVersion);
      return { version: record.version };
    },
    async openCall(id: string) {
      return (await ready).book.open(text(id, 'call id', 64));
    },
    async closeCall(id: string) {
      await (await ready).book.close(text(id, 'call id', 64));
    },
    async lookup(input) {
      if (typeof input !== 'object' || input === null) throw hubError('InvalidArgument', 'Give a number or a business card to look up');
      return (await ready).lookup(input);
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
      if (typeof json !== 'string') throw hubError('InvalidArgument', 'Import takes the text of a JSON export');
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
