/**
 * The tab-hosted hub, for browsers without SharedWorker: the tabs elect one host with a Web Lock; the
 * host runs the hub in a dedicated worker and every tab (the host too) gets a MessagePort to it. A
 * BroadcastChannel says which hub is up and where; a tab sends its port to the host by `sendPort`
 * (through the service worker in the panel: a BroadcastChannel cannot carry ports). When the host closes
 * or crashes its lock is released, the next tab in the queue starts a new hub and announces it, and
 * every tab links to that one.
 */
import {
  HUB_CHANNEL, HUB_LEADER_LOCK, isHubAnnouncement, isHubPortDelivery, isHubYouAre,
  type HubAnnouncement, type HubPortRequest, type HubWhoAmI,
} from '../shared/hub-relay.ts';

export interface TabHostedOptions {
  /** Starts the hub's dedicated worker (this tab was elected to host it). */
  startWorker(): Worker;
  /** This tab's address for `sendPort` (asked once this tab hosts the hub). */
  address(): Promise<string>;
  /** Sends a port to the tab at `host`, for its hub `hub`. */
  sendPort(host: string, hub: string, port: MessagePort): Promise<void>;
  /** Calls `listener` with each port another tab sent this one, and the hub it is meant for. */
  onPort(listener: (hub: string, port: MessagePort) => void): void;
  /** Called with a port to each hub that comes up (the first, then one per takeover), its id, and whether this tab runs it. */
  onHub(port: MessagePort, hub: string, hosted: boolean): void;
  lockName?: string;
  channelName?: string;
  /** Aborting it leaves the election (and stops the hub if this tab hosts it), as closing the tab does. */
  signal?: AbortSignal;
}

export class TabHostedHub {
  /** The hub this tab is linked to. */
  current: string | undefined;
  /** The hub this tab hosts, and its address, once it is up. */
  hosted: { hub: string; host: string } | undefined;
  private worker: Worker | undefined;
  private readonly channel: BroadcastChannel;

  constructor(private readonly options: TabHostedOptions) {
    this.channel = new BroadcastChannel(options.channelName ?? HUB_CHANNEL);
    this.channel.onmessage = (event: MessageEvent) => {
      if (isHubAnnouncement(event.data)) this.heard(event.data);
    };
    options.onPort((hub, port) => {
      // A port for a hub that is gone (or never was here) is dropped: its tab asks again.
      if (hub === this.hosted?.hub && this.worker) this.worker.postMessage({ patchbay: 'hub-connect' }, [port]);
      else port.close();
    });
    options.signal?.addEventListener('abort', () => this.channel.close(), { once: true });
    navigator.locks
      .request(options.lockName ?? HUB_LEADER_LOCK, options.signal ? { signal: options.signal } : {}, () => this.host())
      .catch((error: unknown) => {
        if ((error as Error).name !== 'AbortError') throw error;
      });
    this.say({ patchbay: 'hub-where' });
  }

  /** The hub `hub` did not answer this tab (its port was lost on the way): ask again. */
  retry(hub: string): void {
    if (this.current !== hub || this.hosted) return;
    this.current = undefined;
    this.say({ patchbay: 'hub-where' });
  }

  private heard(message: HubAnnouncement): void {
    if (message.patchbay === 'hub-where') {
      if (this.hosted) this.say({ patchbay: 'hub-here', ...this.hosted });
      return;
    }
    // The host holds the lock: an announcement of another hub is an older one's, still on its way.
    if (this.worker || message.hub === this.current) return;
    const { port1, port2 } = new MessageChannel();
    this.link(message.hub, port1, false);
    this.options.sendPort(message.host, message.hub, port2).catch(() => this.retry(message.hub));
  }

  /** Runs while this tab holds the lock: starts the hub, links to it, tells the others. */
  private async host(): Promise<void> {
    const hub = crypto.randomUUID();
    const worker = (this.worker = this.options.startWorker());
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ patchbay: 'hub-connect' }, [port2]);
    this.link(hub, port1, true);
    const stopped = new Promise<void>((resolve) => this.options.signal?.addEventListener('abort', () => resolve(), { once: true }));
    void this.options.address().then((host) => {
      if (this.worker !== worker) return;
      this.hosted = { hub, host };
      this.say({ patchbay: 'hub-here', hub, host });
    });
    // Held for the tab's life (or until the signal): the next host is elected when it ends.
    await stopped;
    worker.terminate();
    this.worker = undefined;
    this.hosted = undefined;
  }

  private link(hub: string, port: MessagePort, hosted: boolean): void {
    this.current = hub;
    this.options.onHub(port, hub, hosted);
  }

  private say(message: HubAnnouncement): void {
    if (!this.options.signal?.aborted) this.channel.postMessage(message);
  }
}

/** How long a page may stay uncontrolled once a service worker is active before it reloads to be taken. */
const UNCLAIMED_MS = 3000;
const RELOADED_KEY = 'patchbay-reloaded-for-service-worker';

/**
 * The service worker that controls this page, once there is one (the first installation claims open
 * tabs). A page the active worker will never take (a hard reload, or a page that loaded while the
 * worker was claiming) reloads once: a normal load is always taken.
 */
async function controller(): Promise<ServiceWorker> {
  const container = navigator.serviceWorker;
  if (!container) throw new Error('No service worker to reach the tab that runs the phone');
  if (!container.controller) {
    void container.ready.then(() => setTimeout(() => {
      if (container.controller) return;
      const last = Number(sessionStorage.getItem(RELOADED_KEY) ?? 0);
      if (Date.now() - last < 30000) return;
      sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
      location.reload();
    }, UNCLAIMED_MS));
  }
  while (!container.controller) await new Promise((resolve) => container.addEventListener('controllerchange', resolve, { once: true }));
  return container.controller;
}

/** This tab's client id, as the service worker knows it (the address other tabs send their ports to). */
export async function addressViaServiceWorker(): Promise<string> {
  const worker = await controller();
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (!isHubYouAre(event.data)) return;
      navigator.serviceWorker.removeEventListener('message', onMessage);
      resolve(event.data.id);
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    navigator.serviceWorker.startMessages();
    worker.postMessage({ patchbay: 'hub-whoami' } satisfies HubWhoAmI);
  });
}

/** Sends a port to the tab with client id `host`: the service worker passes it on. */
export async function sendPortViaServiceWorker(host: string, hub: string, port: MessagePort): Promise<void> {
  (await controller()).postMessage({ patchbay: 'hub-port', leader: host, hub } satisfies HubPortRequest, [port]);
}

/** Ports the service worker brings this tab from the others (this tab hosts the hub). */
export function receivePortsViaServiceWorker(listener: (hub: string, port: MessagePort) => void): void {
  const container = navigator.serviceWorker;
  if (!container) return;
  container.addEventListener('message', (event: MessageEvent) => {
    const port = event.ports[0];
    if (isHubPortDelivery(event.data) && port) listener(event.data.hub, port);
  });
  // Messages from the service worker wait until the page says it listens.
  container.startMessages();
}
