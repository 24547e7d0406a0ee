/**
 * Registers the service worker (offline start) and turns a newly deployed version into the panel's
 * "Update ready" banner. The new version waits until the user presses "Reload" with no call live:
 * it takes over first, then every tab reloads and the hub stops, so the next tab runs the new build.
 */
import { Workbox } from 'workbox-window';
import type { HubClient } from './hub-client.ts';

/** An open panel asks this often whether a new version was deployed (browsers also ask on each load). */
const CHECK_EVERY_MS = 60 * 60 * 1000;
/** How long "Reload" waits for the new version to take over before reloading anyway. */
const TAKE_OVER_MS = 5000;

export function watchForUpdates(client: HubClient): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const here = new URL('./', document.baseURI).href;
  const wb = new Workbox(new URL('sw.js', here).href, { scope: here });
  wb.addEventListener('waiting', () => {
    client.prepareReload = () => takeOver(wb);
    client.markStale();
  });
  // Without a service worker the panel still works; it just cannot start offline.
  void wb.register().then((registration) => {
    if (!registration) return;
    setInterval(() => void wb.update(), CHECK_EVERY_MS);
    addEventListener('online', () => void wb.update());
  }, () => undefined);
}

/** Lets the waiting version take over this page (and every other tab) before the reload. */
async function takeOver(wb: Workbox): Promise<void> {
  const registration = await navigator.serviceWorker.getRegistration(new URL('./', document.baseURI).href);
  if (!registration?.waiting) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, TAKE_OVER_MS);
    navigator.serviceWorker.addEventListener('controllerchange', () => (clearTimeout(timer), resolve()), { once: true });
    wb.messageSkipWaiting();
  });
}
