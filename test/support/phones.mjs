// Two-party call helpers on top of browser.mjs: a "phone" is a signed-in browser profile.
import { afterEach } from 'node:test';
import { button, incoming, openProfile, openTab, signIn, waitStatus } from './browser.mjs';
import { useRig } from './rig.mjs';

export async function phone(browser, site, pbx, user, { tabs = 1 } = {}) {
  const { context, pages } = await openProfile(browser, site);
  await signIn(pages[0], pbx, user);
  await waitStatus(pages[0], 'Registered');
  for (let i = 1; i < tabs; i++) {
    const p = await openTab(context, site);
    await waitStatus(p, 'Registered');
    pages.push(p);
  }
  return { user, context, pages, page: pages[0], close: () => context.close() };
}

/** The card of the call in progress with `who` (name or number). */
export function callCard(page, who) {
  return page.getByRole('region', { name: `Call with ${who}` });
}

export async function connect(from, to) {
  await from.page.getByRole('combobox', { name: 'Number' }).fill(to.user);
  await button(from.page, 'Call').click();
  await incoming(to.page).waitFor();
  await button(incoming(to.page), 'Answer').click();
  await audioConnected(from.page, to.user);
  await audioConnected(to.page, from.user);
}

export async function audioConnected(page, who, timeout = 15000) {
  await callCard(page, who).getByText('Audio connected').waitFor({ timeout });
}

export async function recentText(page) {
  const list = page.getByRole('list', { name: 'Recent calls' });
  await list.getByRole('listitem').first().waitFor();
  return list.getByRole('listitem').first().textContent();
}

/**
 * A test file's phones: Kamailio, the site and a browser (`useRig`), and `phone(user)` for the profiles a
 * test opens, all closed after that test.
 * @param {Parameters<typeof useRig>[0]} [options]
 */
export function usePhones(options) {
  const rig = useRig(options);
  const open = [];
  afterEach(async () => {
    while (open.length) await open.pop().close().catch(() => undefined);
  });
  return {
    rig,
    /** A signed-in profile of `user`, closed after the test. */
    async phone(user, opts) {
      const p = await phone(rig.browser, rig.site, rig.pbx, user, opts);
      open.push(p);
      return p;
    },
  };
}
