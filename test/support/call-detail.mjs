// The history view as a user reaches it: the newest call's detail (outcome, reason, timeline).
import { button } from './browser.mjs';

/** Opens History, then the newest call; returns the detail region (call `back()` to leave it). */
export async function newestCallDetail(page) {
  await button(page.getByRole('navigation', { name: 'Views' }), 'History').click();
  await page.getByRole('searchbox', { name: 'Search history' }).waitFor();
  await page.getByRole('list', { name: 'Call history' }).getByRole('button').first().click();
  const detail = page.getByRole('region', { name: 'Call details' });
  await detail.waitFor();
  return detail;
}

/** Back to the phone view. */
export async function showPhone(page) {
  await button(page.getByRole('navigation', { name: 'Views' }), 'Phone').click();
}
