/**
 * A tab's connection to the hub: opens the SharedWorker (or, without one, joins the tab-hosted hub of
 * hub-link.ts and follows it from tab to tab), proves the tab is alive with a Web Lock, competes for
 * the media role, and keeps a local mirror of status and calls for the components.
 */
import { createContext } from '@lit/context';
import { proxy, wrap, type Remote } from 'comlink';
import { setDisplay } from './format.ts';
import type { CallRecord, HubStatus, TabApi } from '../shared/api.ts';
import { CallMirror, type FeedItem } from '../shared/call-feed.ts';
import { addressViaServiceWorker, receivePortsViaServiceWorker, sendPortViaServiceWorker, TabHostedHub } from './hub-link.ts';
import type { FirstPartyHub } from './embedding.ts';
import { watchHub } from './hub-watch.ts';
import { PeerMedia } from './media-host.ts';
import { t } from './strings.ts';

declare const __BUILD_ID__: string;

export const BUILD_ID: string = __BUILD_ID__;

/**
 * What changed, so a component re-renders only for the data it shows: `status` (the hub's status and
 * settings, apps, call requests), `calls` (live and recent calls, the record in focus), `media` (the
 * media role, the microphone), `network`, `update` (a newer build waits), `registry` (the admin's apps
 * arrived), `hub` (another hub took over: ports it handed out, to apps, are gone; `takeovers` counts).
 */
export type Slice = 'status' | 'calls' | 'media' | 'network' | 'update' | 'registry' | 'hub';

/** Dispatched as `change` with the slices that changed since the last one. */
export class HubChange extends Event {
  constructor(readonly slices: ReadonlySet<Slice>) {
    super('change');
  }
}

/**
 * Where the hub runs: a SharedWorker, or (browsers without one) a dedicated worker hosted by one of
 * the tabs, which another tab replaces when it closes (hub-link.ts).
 */
export type HubMode = 'shared-worker' | 'tab-hosted';

/** How long a tab waits for a tab-hosted hub to answer its hello before it asks for the hub again. */
const HELLO_TIMEOUT_MS = 15000;

export class HubClient extends EventTarget {
  readonly tabId = crypto.randomUUID();
  readonly mode: HubMode = 'SharedWorker' in globalThis ? 'shared-worker' : 'tab-hosted';
  /**
   * The hub's API. Stays the same object when a tab-hosted hub is replaced: a call made while no hub is
   * linked waits for the next one; a call the old hub never answered fails with `hubLost`.
   */
  readonly api: Remote<TabApi> = new Proxy({} as Remote<TabApi>, {
    get: (_target, key) => {
      if (typeof key !== 'string' || key === 'then') return undefined;
      return async (...args: unknown[]) => {
        const link = await this.link;
        const method = (link.remote as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[key]!;
        return Promise.race([method(...args), link.lost]);
      };
    },
  });
  /** The hub this tab talks to now, and a promise that rejects when it goes away. */
  private link!: Promise<{ remote: Remote<TabApi>; lost: Promise<never> }>;
  private linked: ((link: { remote: Remote<TabApi>; lost: Promise<never> }) => void) | undefined;
  private loseLink: ((error: Error) => void) | undefined;
  /** The tab-hosted election, when there is no SharedWorker. */
  private hosting: TabHostedHub | undefined;
  /** How many times another hub took over from the one this tab knew (tab-hosted mode only). */
  takeovers = 0;
  /** This tab waits for the `patchbay-media` lock, or holds it (then it claims the role from each new hub). */
  private inMediaElection = false;
  private holdsMedia = false;
  /** The hub has told this tab its status (until then `status` is a placeholder). */
  statusKnown = false;
  status: HubStatus = { state: 'signed-out', mediaTab: false, remembered: false, demo: false, settings: { ringtone: true }, apps: [], dialRequests: [],
    logging: { gmail: 'unavailable', demoMailbox: false, webhooks: 0, unlogged: 0 }, contacts: 0 };
  /** Live and recent calls, as the call feed tells them (a version missed is read again). */
  private readonly mirror = new CallMirror(
    () => undefined,
    async (id) => (await this.api.get(id)) ?? undefined,
    500,
    (error) => reportError(error),
  );
  /** Live and recent calls, by id. */
  get calls(): ReadonlyMap<string, CallRecord> {
    return this.mirror.calls;
  }
  /** The admin's app list (config.json) has reached the hub: the registry is complete. */
  registryReady = false;
  /** Ids of ended or opened records the hub keeps in its cache, oldest first. */
  get opened(): string[] {
    return this.mirror.opened;
  }
  /** The running hub is from another build, or a new version is deployed: offer a reload once no call is live. */
  stale = false;
  /** Runs before "Reload" asks the hub to reload every tab (a waiting service worker takes over first). */
  prepareReload: () => Promise<void> = () => Promise.resolve();
  /** This browser says it has a network (the hub's own view can lag or differ). */
  online = navigator.onLine;
  /** This tab holds the media role (plays audio and the ringtone). */
  mediaRole = false;
  readonly media: PeerMedia;
  readonly ready: Promise<void>;

  /** Web Locks of the hub's realm: the page's own, or a storage access handle's (embedding.ts). */
  private readonly locks: LockManager;

  /** @param firstParty in a frame of another site, the site's own hub reached through storage access (embedding.ts) */
  constructor(firstParty?: FirstPartyHub) {
    super();
    this.locks = firstParty?.locks ?? navigator.locks;
    this.media = new PeerMedia((callId, media) => void this.api.reportMedia(callId, media));
    this.media.onMicError = () => this.changed('media');
    this.media.onSoundBlocked = () => this.changed('media');
    const onNetwork = () => {
      this.online = navigator.onLine;
      this.changed('network');
    };
    addEventListener('online', onNetwork);
    addEventListener('offline', onNetwork);
    this.ready = new Promise((resolve, reject) => {
      this.firstHello = { resolve, reject };
    });
    this.unlink();
    // Hold `tab-<id>` for the tab's whole life and say hello from inside it: the hub asks for the
    // same lock and is granted it when this tab is gone.
    this.tabLock = new Promise((resolve) => {
      void this.locks.request(`tab-${this.tabId}`, () => {
        resolve();
        return new Promise(() => undefined);
      });
    });
    if (this.mode === 'shared-worker') {
      // The built page starts the hub from a one-line script in <head> (vite.config.ts, earlyHub) before
      // this bundle runs: adopt that worker. Otherwise (dev server, tests) start it here,
      // written inline so the bundler finds the hub and builds it as a module worker.
      const early = globalThis as { patchbayHub?: SharedWorker };
      const worker = firstParty?.worker ?? (early.patchbayHub ??= new SharedWorker(new URL('../worker/hub.ts', import.meta.url), { type: 'module', name: 'patchbay-hub' }));
      this.attach(worker.port);
    } else {
      this.hosting = new TabHostedHub({
        // The same script as the SharedWorker's, inline so the bundler resolves it to the same hub.js.
        startWorker: () => new Worker(new URL('../worker/hub.ts', import.meta.url), { type: 'module', name: 'patchbay-hub' }),
        address: addressViaServiceWorker,
        sendPort: sendPortViaServiceWorker,
        onPort: receivePortsViaServiceWorker,
        onHub: (port, hub, hosted) => this.attach(port, hub, hosted),
      });
    }
    document.addEventListener('visibilitychange', () => {
      if (document.hidden && this.frame !== undefined) this.emitChange();
    });
  }

  private firstHello!: { resolve: () => void; reject: (error: Error) => void };
  private tabLock!: Promise<void>;
  private hellos = 0;

  /** Calls made from now on wait for the next hub; those the current one has not answered fail. */
  private unlink(): void {
    this.loseLink?.(new Error(t.app.hubLost));
    this.link = new Promise((resolve) => (this.linked = resolve));
  }

  /** A port to a hub (the SharedWorker's, or a tab-hosted hub: the first, or one that took over). */
  private attach(port: MessagePort, hub?: string, host = false): void {
    const remote = wrap<TabApi>(port);
    if (this.linked === undefined) this.unlink();
    const lost = new Promise<never>((_resolve, reject) => (this.loseLink = reject));
    lost.catch(() => undefined);
    this.linked!({ remote, lost });
    this.linked = undefined;
    void this.greet(remote, lost, hub, host);
  }

  /** This tab waits on the hub's life lock, and reloads when it is granted (the hub is gone). */
  private watchingHub = false;

  /** Hello, the subscriptions and the media role, again for each new hub. */
  private async greet(remote: Remote<TabApi>, lost: Promise<never>, hub: string | undefined, host: boolean): Promise<void> {
    const again = this.hellos++ > 0;
    try {
      await this.tabLock;
      // Told to reload (a new build): a tab watching the hub's lock reloads once the hub is gone, so the
      // new page never reaches the old hub in its last moments (a port to a closing worker is never
      // answered); the timer is for a hub that somehow lingers.
      const control = proxy({ reload: () => (this.watchingHub ? setTimeout(() => location.reload(), 3000) : location.reload()) });
      const hello = remote.hello(this.tabId, BUILD_ID, control);
      // A tab-hosted hub's port can be lost on the way (its tab closed meanwhile): ask for the hub again.
      const timeout = hub === undefined ? undefined : setTimeout(() => this.hosting?.retry(hub), HELLO_TIMEOUT_MS);
      const reply = await Promise.race([hello, lost]);
      clearTimeout(timeout);
      if (reply.stale) this.markStale();
      // A SharedWorker that died with a crashed renderer process says nothing; its lock does. A reload
      // starts a new hub, which closes the calls the old one left as interrupted.
      if (reply.hubLock && this.mode === 'shared-worker') {
        void watchHub(this.locks, reply.hubLock, () => location.reload()).then((watching) => (this.watchingHub = watching));
      }
      // This tab runs the hub: after a takeover, the sign-in of the hub that went away goes on here.
      if (host) await Promise.race([remote.hostedByTab(again), lost]);
      if (again) {
        // The calls of the hub that went away ended with it: its media legs go too.
        for (const id of Object.keys(this.media.states())) void this.media.close(id);
      }
      await Promise.race([remote.subscribeStatus(proxy((s: HubStatus) => this.setStatus(s))), lost]);
      await Promise.race([
        remote.subscribe(proxy((items: FeedItem[]) => {
          this.mirror.apply(items);
          this.changed('calls');
        })),
        lost,
      ]);
      if (this.holdsMedia) void this.claimMedia();
      else this.electMedia();
      this.firstHello.resolve();
      if (again) {
        this.takeovers++;
        this.changed('hub');
      }
    } catch (error) {
      // A hub that went away is followed by the next one; any other failure is the panel's to show.
      if ((error as Error).message !== t.app.hubLost) this.firstHello.reject(error as Error);
    }
  }

  private electMedia(): void {
    if (this.inMediaElection) return;
    this.inMediaElection = true;
    void this.locks.request('patchbay-media', async () => {
      this.holdsMedia = true;
      await this.claimMedia();
      await new Promise(() => undefined);
    });
  }

  private async claimMedia(): Promise<void> {
    try {
      await this.api.claimMedia(this.tabId, proxy(this.media));
      this.mediaRole = true;
      this.changed('media');
    } catch (error) {
      // The hub went away before it heard: the next one is told when it comes.
      if ((error as Error).message !== t.app.hubLost) reportError(error);
    }
  }

  private setStatus(s: HubStatus): void {
    this.status = s;
    this.statusKnown = true;
    // Another time zone or clock: every time on screen is shown again.
    if (setDisplay(s.settings)) for (const slice of ['calls', 'registry', 'media'] as const) this.changed(slice);
    this.media.setOutputs(s.settings.ringDevice, s.settings.callDevice);
    this.changed('status');
  }

  /**
   * The record the panel shows and apps work on: the newest call in progress, else the record
   * most recently opened (or just ended).
   */
  get focus(): CallRecord | undefined {
    const live = this.liveCalls;
    if (live.length) return live[live.length - 1];
    const id = this.opened[this.opened.length - 1];
    return id ? this.calls.get(id) : undefined;
  }

  markRegistryReady(): void {
    this.registryReady = true;
    this.changed('registry');
  }

  /** A newer build is ready (the running hub's, or a waiting service worker's). */
  markStale(): void {
    this.stale = true;
    this.changed('update');
  }

  /**
   * Tells the components. The first change after a quiet frame goes out at once (a ringing call shows
   * without delay); changes that follow within the same frame are folded into one, so apps writing
   * hundreds of fields a second cost one render per frame, not one per field.
   */
  private changed(slice: Slice): void {
    this.dirty.add(slice);
    if (this.frame !== undefined) return;
    // A hidden tab draws no frames (and gets none): it hears every change as it comes.
    if (document.hidden || performance.now() - this.lastChange > 16) {
      this.emitChange();
      return;
    }
    this.frame = requestAnimationFrame(() => this.emitChange());
  }

  private emitChange(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.lastChange = performance.now();
    const slices = this.dirty;
    this.dirty = new Set();
    this.dispatchEvent(new HubChange(slices));
  }
  private dirty = new Set<Slice>();
  private frame: number | undefined;
  private lastChange = -Infinity;

  /** Calls that are not over, oldest first (the call you were on stays on top). */
  get liveCalls(): CallRecord[] {
    return [...this.calls.values()].filter((c) => c.state !== 'ended').sort((a, b) => a.startedAt - b.startedAt);
  }

  /** Every call, newest first. */
  get recentCalls(): CallRecord[] {
    return [...this.calls.values()].sort((a, b) => b.startedAt - a.startedAt);
  }
}

export const hubContext = createContext<HubClient>('patchbay-hub');
