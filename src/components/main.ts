/** The panel's entry: connect to the hub, read the site's defaults, render. */
import { CallAlerts } from './call/call-alerts.ts';
import { firstPartyHub, mayAskForStorageAccess } from './embedding.ts';
import { HubClient, type HubChange } from './hub-client.ts';
import './patchbay-app.ts';
import './settings/pb-storage-access.ts';
import type { SiteConfig } from './settings/pb-sign-in.ts';
import { t } from './strings.ts';
import { watchForUpdates } from './sw-update.ts';

async function loadConfig(): Promise<SiteConfig & { apps?: unknown; logging?: unknown }> {
  try {
    // Network first: an admin's edit applies on the next load.
    const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-cache' });
    if (!response.ok) return {};
    const data = (await response.json()) as Record<string, unknown>;
    const pick = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : undefined);
    return { server: pick('server'), sipDomain: pick('sipDomain'), apps: data.apps, logging: { gmail: data.gmail, webhooks: data.webhooks } };
  } catch {
    return {};
  }
}

// In another site's frame that was allowed this site's own storage, the site's own hub (embedding.ts).
const client = new HubClient(await firstPartyHub());
new CallAlerts(client);
watchForUpdates(client);
const app = document.createElement('patchbay-app');
app.hub = client;
document.querySelector('main')?.replaceChildren(app);
void mayAskForStorageAccess().then((ask) => {
  if (ask) document.querySelector('main')?.prepend(document.createElement('pb-storage-access'));
});
void loadConfig().then(async ({ apps, logging, ...config }) => {
  app.config = config;
  const tellHub = async () => {
    try {
      // The hub checks the admin's apps (ids, origins, grants); a bad entry is reported, not half-applied.
      await client.ready;
      await client.api.setAdminApps(Array.isArray(apps) ? apps : []);
    } catch (error) {
      app.dispatchEvent(new CustomEvent('pb-error', { detail: t.app.configError((error as Error).message) }));
    }
    try {
      // Gmail's client and the webhooks: checked by the hub; nothing is logged until they are known.
      await client.ready;
      await client.api.setLoggingConfig(logging ?? {});
    } catch (error) {
      app.dispatchEvent(new CustomEvent('pb-error', { detail: t.app.configError((error as Error).message) }));
    }
  };
  await tellHub();
  client.markRegistryReady();
  // A hub that took over from another tab's (no SharedWorker) starts without the site's defaults.
  client.addEventListener('change', (event) => {
    if ((event as HubChange).slices.has('hub')) void tellHub();
  });
});
client.ready.catch((error: Error) => {
  document.body.insertAdjacentHTML('afterbegin', '<p role="alert" class="fatal"></p>');
  document.querySelector('.fatal')!.textContent = t.app.couldNotStart(error.message);
});
