// Business apps on a second origin: a static server for the apps (the built site, so `/sdk/patchbay.js`
// is there, the examples and demo apps under `/examples/`, the test apps in test/fixtures/apps under
// `/fixtures/`, and `/panel.json` naming the panel they serve), and the panel's site with a config.json
// listing them.
import { after, before } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './browser.mjs';
import { startPbx } from './pbx.mjs';

const DIST = () => process.env.PATCHBAY_DIST ?? 'dist';

/** The demo CRM and helpdesk as config.json lists them, at `origin`. */
export function demoApps(appsUrl) {
  return [
    { id: 'crm', name: 'CRM', url: `${appsUrl}examples/demo-apps/crm/`, grants: ['read', 'write:contact', 'dial'] },
    { id: 'helpdesk', name: 'Helpdesk', url: `${appsUrl}examples/demo-apps/helpdesk/`, grants: ['read', 'write:ticket', 'write:tags'] },
  ];
}

/**
 * The apps' server. `panel`: the panel's URL, answered as `/panel.json` (the demo apps import the SDK
 * from there, the test apps name its origin); set it later with `setPanel`.
 * @param {{ port?: number, panel?: string }} [options]
 */
export async function serveApps({ port = 0, panel } = {}) {
  const site = await serve({ port, dir: DIST(), mounts: { '/fixtures/': 'test/fixtures/apps', '/examples/': 'src/integrations/examples' } });
  const setPanel = (url) => site.setFile('/panel.json', JSON.stringify({ url }));
  if (panel) setPanel(panel);
  return { ...site, setPanel };
}

/** A test app (test/fixtures/apps/probe.html) with an id, grants and query options. */
export function probe(appsUrl, id, grants, query = '') {
  return { id, name: id[0].toUpperCase() + id.slice(1), url: `${appsUrl}fixtures/probe.html?app=${id}${query ? `&${query}` : ''}`, grants };
}

/**
 * @param {{ pbx?: object | false, apps: (appsUrl: string) => object[] }} options
 */
export function useAppsRig({ pbx = false, apps }) {
  const rig = /** @type {any} */ ({});
  before(async () => {
    rig.appsSite = await serveApps();
    // The same host name, another port: another origin, as a vendor's app would be.
    rig.apps = apps(rig.appsSite.url);
    [rig.pbx, rig.site, rig.browser] = await Promise.all([
      pbx ? startPbx(pbx) : undefined,
      serve({ dir: DIST(), files: { '/config.json': JSON.stringify({ apps: rig.apps }) } }),
      launch(),
    ]);
    rig.appsSite.setPanel(rig.site.url);
  });
  after(async () => {
    await rig.browser?.close();
    await rig.site?.close();
    await rig.appsSite?.close();
    await rig.pbx?.stop();
  });
  return rig;
}

/** The frame of app `id` in `page` (its iframe's URL is the registry's). */
export async function appFrame(page, url) {
  let frame;
  for (let i = 0; i < 100 && !frame; i++) {
    frame = page.frames().find((f) => f.url() === url);
    if (!frame) await new Promise((r) => setTimeout(r, 100));
  }
  if (!frame) throw new Error(`no frame for ${url}`);
  return frame;
}

/** Waits until the app in `frame` says it is connected (its pane may be hidden behind another app's tab). */
export async function appConnected(frame, id, timeout = 15000) {
  await frame.getByRole('status', { includeHidden: true }).filter({ hasText: `Connected as ${id}` }).waitFor({ state: 'attached', timeout });
}
