// Shared fixtures for integration tests: the built site on a static server, Debian's Chromium
// driven by playwright-core, and helpers that act as a user would (by role and accessible name).
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { serve } from '../../scripts/serve.mjs';

export async function startSite(options = {}) {
  return serve({ dir: process.env.PATCHBAY_DIST ?? 'dist', ...options });
}

/**
 * @param {{ args?: string[], sharedWorker?: boolean }} [options] `args`: flags added to the usual ones (e.g.
 * host-resolver rules); `sharedWorker: false` hides SharedWorker from every page (the default follows
 * PATCHBAY_NO_SHARED_WORKER=1, which runs the suite as in a browser without it)
 */
export async function launch({ args = [], sharedWorker = process.env.PATCHBAY_NO_SHARED_WORKER !== '1' } = {}) {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...chromiumArgs(), ...args], headless: true });
  if (!sharedWorker) hideSharedWorker(browser);
  return browser;
}

/**
 * Every context the browser makes from now on (browser.newPage makes one too) runs its pages without
 * SharedWorker, as some Android browsers and embedded web views do: the panel hosts the hub in a tab.
 * Workers keep theirs; only pages lose it, before any of their scripts run.
 */
export function hideSharedWorker(browser) {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript(() => {
      delete globalThis.SharedWorker;
    });
    return context;
  };
}

/** A browser profile (context) with `tabs` pages of the app open. */
export async function openProfile(browser, site, { tabs = 1 } = {}) {
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 420, height: 860 } });
  const pages = [];
  for (let i = 0; i < tabs; i++) pages.push(await openTab(context, site));
  return { context, pages };
}

export async function openTab(context, site) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.goto(site.url);
  await page.getByRole('status').or(page.getByRole('button', { name: 'Sign in' })).first().waitFor();
  return page;
}

export async function signIn(page, pbx, user, { password, remember = false, displayName } = {}) {
  await page.getByLabel('Server').fill(pbx.wsUrl);
  await page.getByLabel('SIP address').fill(`sip:${user}@${pbx.domain}`);
  await page.getByLabel('Password').fill(password ?? `pw-${user}`);
  if (displayName) await page.getByLabel('Display name').fill(displayName);
  if (remember) await page.getByLabel('Remember me').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The registration status in the header (other parts of the panel have live status lines too). */
export function status(page) {
  return page.locator('pb-status').getByRole('status');
}

export async function waitStatus(page, text, timeout = 10000) {
  await status(page).filter({ hasText: text }).waitFor({ timeout });
}

export function incoming(page) {
  return page.getByRole('alertdialog', { name: 'Incoming call' });
}

export function button(scope, name) {
  return scope.getByRole('button', { name, exact: true });
}

export async function dial(page, number) {
  await page.getByRole('combobox', { name: 'Number' }).fill(number);
  await button(page, 'Call').click();
}

/** Every call in the history, as the user exports it (History → "All calls" → "Export JSON"). */
export async function exportAllCalls(page) {
  await button(page.getByRole('navigation', { name: 'Views' }), 'History').click();
  const summary = page.getByText('Export, import and storage');
  await summary.click();
  const panel = page.locator('details', { has: summary });
  await panel.getByRole('radio', { name: 'All calls' }).check();
  const [download] = await Promise.all([page.waitForEvent('download'), button(panel, 'Export JSON').click()]);
  return JSON.parse(await readFile(await download.path(), 'utf8')).calls;
}

/** The list item of the newest call in "Recent calls". */
export function recent(page) {
  return page.getByRole('list', { name: 'Recent calls' }).getByRole('listitem');
}

export async function eventually(check, { timeout = 10000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Resolves once a service worker controls the page (the first installation claims the page it starts from). */
export async function controlled(page, timeout = 15000) {
  const ok = await page.evaluate(async (ms) => {
    const claimed = (async () => {
      await navigator.serviceWorker.ready;
      if (navigator.serviceWorker.controller) return true;
      return new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true), { once: true }));
    })();
    return Promise.race([claimed, new Promise((resolve) => setTimeout(() => resolve(false), ms))]);
  }, timeout);
  if (!ok) throw new Error(`no service worker controls ${page.url()} after ${timeout} ms`);
}
