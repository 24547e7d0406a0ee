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
});

// The first installation controls the open tabs at once (nothing older to replace), so what they
// fetch next is cached too.
clientsClaim();
