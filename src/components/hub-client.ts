/**
 * A tab's connection to the hub: opens the SharedWorker, proves the tab is alive with a Web Lock,
 * competes for the media role, and keeps a local mirror of status and calls for the components.
 */
import { createContext } from '@lit/context';
import { proxy, wrap, type Remote } from 'comlink';
import type { CallChange, CallRecord, HubStatus, TabApi } from '../worker/api.ts';
import { PeerMedia } from './media-host.ts';

declare const __BUILD_ID__: string;

export const BUILD_ID: string = __BUILD_ID__;

export class HubClient extends EventTarget {
  readonly tabId = crypto.randomUUID();
  readonly api: Remote<TabApi>;
  status: HubStatus = { state: 'signed-out', mediaTab: false, remembered: false, demo: false, settings: { ringtone: true }, apps: [] };
  /** Live and recent calls, by id. */
  readonly calls = new Map<string, CallRecord>();
  /** The running hub is from another build: offer a reload once no call is live. */
  stale = false;
  /** This tab holds the media role (plays audio and the ringtone). */
  mediaRole = false;
  readonly media: PeerMedia;
  readonly ready: Promise<void>;

  constructor() {
    super();
    // Written inline so the bundler finds the hub and builds it as a module worker.
    const worker = new SharedWorker(new URL('../worker/hub.ts', import.meta.url), { type: 'module', name: 'patchbay-hub' });
    this.api = wrap<TabApi>(worker.port);
    this.media = new PeerMedia((callId, media) => void this.api.reportMedia(callId, media));
    this.media.onMicError = () => this.changed();
    this.ready = this.connect();
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Hold `tab-<id>` for the tab's whole life and say hello from inside it: the hub asks for
      // the same lock and is granted it when this tab is gone.
      void navigator.locks.request(`tab-${this.tabId}`, async () => {
        try {
          const control = proxy({ reload: () => location.reload() });
          const reply = await this.api.hello(this.tabId, BUILD_ID, control);
          this.stale = reply.stale;
          await this.api.subscribeStatus(proxy((s: HubStatus) => this.setStatus(s)));
          await this.api.subscribe(proxy((c: CallChange) => this.apply(c)));
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
      this.changed();
      await new Promise(() => undefined);
    });
  }

  private setStatus(s: HubStatus): void {
    this.status = s;
    this.changed();
  }

  private apply(change: CallChange): void {
    if (change.type === 'snapshot') {
      this.calls.clear();
      for (const call of change.calls) this.calls.set(call.id, call);
    } else {
      this.calls.set(change.call.id, change.call);
    }
    this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }

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
