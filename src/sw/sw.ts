/**
 * The service worker: precaches the app shell, the hub and the SDK, so that with no network a reload
 * (or a new tab) still opens the panel and the history. Every URL is resolved against the
 * registration's scope, so the site works under any base path.
 *
 * Updates wait: a new version installs beside the running one and takes over only when a tab asks
 * (`SKIP_WAITING`, sent by "Reload" in the panel), never in the middle of a call.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst } from 'workbox-strategies';
import { isHubPortRequest, isHubWhoAmI, type HubPortDelivery, type HubYouAre } from '../shared/hub-relay.ts';
import { ringTag, type NotificationChoice, type RingMessage } from '../shared/notifications.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };

const scope = new URL(self.registration.scope);
const CONFIG_CACHE = 'patchbay-config';
const LAZY_CACHE = 'patchbay-lazy';
const configUrl = new URL('config.json', scope).href;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Opening the panel at its own address, with any query (`?view=history`, `?tel=…`): the cached
// shell. Other pages under the scope (an app's own page, say) go to the network as usual.
const escaped = scope.pathname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [new RegExp(`^${escaped}(index\\.html)?(\\?.*)?$`)] }),
);

// The admin's defaults: a fresh copy when the network answers within 4 s, else the last one seen.
const config = new NetworkFirst({ cacheName: CONFIG_CACHE, networkTimeoutSeconds: 4 });
registerRoute(({ url }) => url.href === configUrl, config);

// Scripts left out of the precache (the demo PBX): content-hashed, so a cached copy never goes stale.
registerRoute(
  ({ url }) => url.href.startsWith(scope.href) && /^(assets\/.+|hub-.+)-[\w-]{8}\.js$/.test(url.href.slice(scope.href.length)),
  new CacheFirst({ cacheName: LAZY_CACHE }),
);

self.addEventListener('install', (event) => {
  // The first visit fetched config.json before this worker existed: keep a copy for the first offline start.
  event.waitUntil(
    fetch(configUrl, { cache: 'no-cache' })
      .then(async (response) => {
        if (response.ok) await (await caches.open(CONFIG_CACHE)).put(configUrl, response);
      })
      .catch(() => undefined),
  );
});

self.addEventListener('activate', (event) => {
  // Chunks of the previous deployment are never asked for again.
  event.waitUntil(caches.delete(LAZY_CACHE));
});

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
  const ring = event.data as RingMessage | null;
  if (ring?.patchbay === 'ring' && typeof ring.id === 'string') event.waitUntil(showRing(ring));
  if (ring?.patchbay === 'ring-over' && typeof ring.id === 'string') event.waitUntil(closeRing(ring.id));
  const port = event.ports[0];
  if (isHubPortRequest(event.data) && port) event.waitUntil(relayHubPort(event.data.leader, event.data.hub, port));
  const source = event.source;
  if (isHubWhoAmI(event.data) && source instanceof WindowClient) source.postMessage({ patchbay: 'hub-you', id: source.id } satisfies HubYouAre);
});

/**
 * Without SharedWorker one tab hosts the hub (components/hub-link.ts) and the others send it a
 * MessagePort through here: a tab can transfer a port to no other tab directly, a service worker can.
 * The port goes to the named client only, and only if it is one of our windows.
 */
async function relayHubPort(leader: string, hub: string, port: MessagePort): Promise<void> {
  const client = await self.clients.get(leader);
  if (!client || client.type !== 'window' || !client.url.startsWith(scope.href)) {
    port.close();
    return;
  }
  client.postMessage({ patchbay: 'hub-port', hub } satisfies HubPortDelivery, [port]);
}

/** Patchbay's open tabs, the focused one first, then the visible ones. */
async function panels(): Promise<WindowClient[]> {
  const all = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const ours = all.filter((c) => c.url.startsWith(scope.href));
  const rank = (c: WindowClient) => (c.focused ? 0 : c.visibilityState === 'visible' ? 1 : 2);
  return ours.sort((a, b) => rank(a) - rank(b));
}

/**
 * A ringing call as a system notification, only while no Patchbay tab has focus (a focused tab shows
 * its own screen pop). One per call (its tag), kept until the user acts or the ringing stops.
 */
async function showRing(ring: Extract<RingMessage, { patchbay: 'ring' }>): Promise<void> {
  if ((await panels()).some((c) => c.focused)) return;
  if (Notification.permission !== 'granted') return;
  await self.registration.showNotification(String(ring.title).slice(0, 200), {
    body: String(ring.body).slice(0, 300),
    tag: ringTag(ring.id),
    requireInteraction: true,
    icon: new URL('icons/icon-192.png', scope).href,
    data: { id: ring.id },
    actions: [
      { action: 'answer', title: 'Answer' },
      { action: 'decline', title: 'Decline' },
    ],
  } as NotificationOptions);
}

async function closeRing(id: string): Promise<void> {
  for (const n of await self.registration.getNotifications({ tag: ringTag(id) })) n.close();
}

self.addEventListener('notificationclick', (event) => {
  const id = (event.notification.data as { id?: unknown } | null)?.id;
  event.notification.close();
  if (typeof id !== 'string') return;
  const action: NotificationChoice['action'] = event.action === 'answer' ? 'answer' : event.action === 'decline' ? 'decline' : 'open';
  const done = (async () => {
    const [tab] = await panels();
    if (!tab) {
      // No tab, no hub: the call is gone with it. Open the panel so the user sees what happened.
      await self.clients.openWindow(scope.href);
      return;
    }
    tab.postMessage({ patchbay: 'notification', action, id } satisfies NotificationChoice);
    // Declining needs no window; answering and a click on the notification bring Patchbay forward.
    if (action !== 'decline') await tab.focus().catch(() => undefined);
  })();
  // An event dispatched by script (not the browser) cannot be extended; what it asked is done all the same.
  try {
    event.waitUntil(done);
  } catch {
    void done;
  }
});

// The first installation controls the open tabs at once (nothing older to replace), so what they
// fetch next is cached too.
clientsClaim();
