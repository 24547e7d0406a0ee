// One test file's fixtures: Kamailio (optional), the built site and a browser, started before the
// file's tests and stopped after them.
import { after, before } from 'node:test';
import { launch, startSite } from './browser.mjs';
import { startPbx } from './pbx.mjs';

/**
 * @param {{ pbx?: object | false, site?: object }} [options] `pbx`: startPbx options, or false for none
 * @returns {{ pbx: any, site: any, browser: import('playwright-core').Browser }} filled in before the tests run
 */
export function useRig({ pbx = { rtpengine: false }, site = {} } = {}) {
  const rig = /** @type {any} */ ({});
  before(async () => {
    [rig.pbx, rig.site, rig.browser] = await Promise.all([pbx ? startPbx(pbx) : undefined, startSite(site), launch()]);
  });
  after(async () => {
    await rig.browser?.close();
    await rig.site?.close();
    await rig.pbx?.stop();
  });
  return rig;
}
