/**
 * A tab's connection to the hub: opens the SharedWorker, proves the tab is alive with a Web Lock,
 * competes for the media role, and keeps a local mirror of status and calls for the components.
 */
import { createContext } from '@lit/context';
import { proxy, wrap, type Remote } from 'comlink';
import { setDisplay } from './format.ts';
import type { CallRecord, HubStatus, TabApi } from '../shared/api.ts';
import { CallMirror, type FeedItem } from '../shared/call-feed.ts';
import { PeerMedia } from './media-host.ts';

declare const __BUILD_ID__: string;

export const BUILD_ID: string = __BUILD_ID__;

/**
 * What changed, so a component re-renders only for the data it shows: `status` (the hub's status and
 * settings, apps, call requests), `calls` (live and recent calls, the record in focus), `media` (the
 * media role, the microphone), `network`, `update` (a newer build waits), `registry` (the admin's apps
 * arrived).
 */
export type Slice = 'status' | 'calls' | 'media' | 'network' | 'update' | 'registry';

/** Dispatched as `change` with the slices that changed since the last one. */
export class HubChange extends Event {
  constructor(readonly slices: ReadonlySet<Slice>) {
    super('change');
  }
}

export class HubClient extends EventTarget {
  readonly tabId = crypto.randomUUID();
  readonly api: Remote<TabApi>;
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

  constructor() {
    super();
    // The built page starts the hub from a one-line script in <head> (vite.config.ts, earlyHub) before
    // this bundle runs: adopt that worker. Otherwise (dev server, tests) start it here,
    // written inline so the bundler finds the hub and builds it as a module worker.
    const early = globalThis as { patchbayHub?: SharedWorker };
    const worker = (early.patchbayHub ??= new SharedWorker(new URL('../worker/hub.ts', import.meta.url), { type: 'module', name: 'patchbay-hub' }));
    this.api = wrap<TabApi>(worker.port);
    this.media = new PeerMedia((callId, media) => void this.api.reportMedia(callId, media));
    this.media.onMicError = () => this.changed('media');
    this.media.onSoundBlocked = () => this.changed('media');
    const onNetwork = () => {
      this.online = navigator.onLine;
      this.changed('network');
    };
    addEventListener('online', onNetwork);
    addEventListener('offline', onNetwork);
    this.ready = this.connect();
    document.addEventListener('visibilitychange', () => {
      if (document.hidden && this.frame !== undefined) this.emitChange();
    });
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Hold `tab-<id>` for the tab's whole life and say hello from inside it: the hub asks for
      // the same lock and is granted it when this tab is gone.
      void navigator.locks.request(`tab-${this.tabId}`, async () => {
        try {
          const control = proxy({ reload: () => location.reload() });
          const reply = await this.api.hello(this.tabId, BUILD_ID, control);
          if (reply.stale) this.markStale();
          await this.api.subscribeStatus(proxy((s: HubStatus) => this.setStatus(s)));
          await this.api.subscribe(proxy((items: FeedItem[]) => {
            this.mirror.apply(items);
            this.changed('calls');
          }));
          this.electMedia();
          resolve();
        } catch (error) {
          reject(error as Error);
        }
        await new Promise(() => undefined);
      });
    });
  }

  private electMedia(): void {
    void navigator.locks.request('patchbay-media', async () => {
      await this.api.claimMedia(this.tabId, proxy(this.media));
      this.mediaRole = true;
      this.changed('media');
      await new Promise(() => undefined);
    });
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
