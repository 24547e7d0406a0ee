/** The panel's entry: connect to the hub, read the site's defaults, render. */
import { CallAlerts } from './call-alerts.ts';
import { HubClient } from './hub-client.ts';
import './patchbay-app.ts';
import type { SiteConfig } from './pb-sign-in.ts';

async function loadConfig(): Promise<SiteConfig> {
  try {
    // Network first: an admin's edit applies on the next load.
    const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-cache' });
    if (!response.ok) return {};
    const data = (await response.json()) as Record<string, unknown>;
    const pick = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : undefined);
    return { server: pick('server'), sipDomain: pick('sipDomain') };
  } catch {
    return {};
  }
}

const client = new HubClient();
new CallAlerts(client);
const app = document.createElement('patchbay-app');
app.hub = client;
document.querySelector('main')?.replaceChildren(app);
void loadConfig().then((config) => (app.config = config));
client.ready.catch((error: Error) => {
  document.body.insertAdjacentHTML('afterbegin', '<p role="alert" class="fatal"></p>');
  document.querySelector('.fatal')!.textContent = `Patchbay could not start: ${error.message}`;
});
