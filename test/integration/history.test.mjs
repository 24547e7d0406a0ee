import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { button, eventually, incoming, openProfile, openTab, signIn, waitStatus } from '../support/browser.mjs';
import { callCard, phone } from '../support/phones.mjs';
import { useRig } from '../support/rig.mjs';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** One ended call as a JSON export holds it. */
function record(id, { direction, outcome, number, name, at, talk, notes }) {
  const inbound = direction === 'inbound';
  const answered = outcome === 'answered';
  return {
    id,
    sipCallId: `${id}@seed`,
    direction,
    state: 'ended',
    outcome,
    remote: { number, uri: `sip:${number.replace('+', '')}@pbx.example.com`, ...(name ? { displayName: name } : {}) },
    local: { uri: 'sip:1001@127.0.0.1' },
    events: [
      { type: inbound ? 'ringing' : 'dialing', at },
      ...(answered ? [{ type: 'answered', at: at + 5000 }] : []),
      { type: 'ended', at: at + 5000 + (talk ?? 0) * 1000 },
    ],
    startedAt: at,
    ...(answered ? { answeredAt: at + 5000, talkSeconds: talk } : {}),
    endedAt: at + 5000 + (talk ?? 0) * 1000,
    ringSeconds: 5,
    secure: true,
    muted: false,
    media: 'none',
    ...(notes ? { notes } : {}),
    version: 3,
    provenance: { state: { by: 'pbx', at }, ...(notes ? { notes: { by: 'user', at: at + 1000 } } : {}) },
  };
}

/**
 * The history groups calls by local calendar day, so the seeds are placed on days counted from local
 * midnight, never as "now minus so many hours" (now − 25 h is two days ago between 00:00 and 01:00).
 */
const dayAt = (from, daysAgo, hour) => {
  const d = new Date(from);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - daysAgo, hour).getTime();
};
const HTML_NAME = '<img src="x" onerror="window.__pwned=1">Eve';
/** Set in `before`, once the run is clear of midnight. */
let now;
let SEEDS;
function seeds() {
  const midnight = dayAt(now, 0, 0);
  return [
    // Today, after midnight and before now whatever the time.
    record('seed-ada', { direction: 'inbound', outcome: 'answered', number: '+441632960123', name: 'Ada Lovelace', at: Math.max(midnight, now - 2 * 60_000), talk: 95, notes: 'Discussed the quarterly invoice' }),
    record('seed-bob', { direction: 'inbound', outcome: 'missed', number: '+441632960999', name: 'Bob Missed', at: dayAt(now, 1, 12) }),
    record('seed-dee', { direction: 'inbound', outcome: 'declined', number: '1005', name: 'Dee Declined', at: dayAt(now, 2, 9) }),
    record('seed-carol', { direction: 'outbound', outcome: 'answered', number: '+14155550100', name: 'Carol Dialed', at: dayAt(now, 3, 15), talk: 30 }),
    record('seed-fay', { direction: 'outbound', outcome: 'busy', number: '1006', name: 'Fay Busy', at: dayAt(now, 4, 12) }),
    record('seed-eve', { direction: 'inbound', outcome: 'answered', number: '1007', name: HTML_NAME, at: dayAt(now, 5, 18), talk: 12 }),
  ];
}

/**
 * The first test expects the seeds' days and its live call on today: a run that crossed midnight
 * before then would move every call a day back and put the live call on a day of its own. Close to
 * midnight, wait until it has passed (at most this long, once a day).
 */
const CLEAR_OF_MIDNIGHT = 5 * 60_000;
async function clearOfMidnight() {
  const left = dayAt(Date.now(), -1, 0) - Date.now();
  if (left < CLEAR_OF_MIDNIGHT) {
    console.log(`# waiting ${Math.ceil(left / 1000)} s for midnight: the test groups calls by day`);
    await new Promise((r) => setTimeout(r, left + 1000));
  }
}
const exportFile = (calls) => JSON.stringify({ format: 'patchbay-history', version: 1, calls });

function history(page) {
  return page.getByRole('list', { name: 'Call history' });
}

/** The visible call rows' text, in order. */
async function rows(page) {
  return history(page).getByRole('button').allTextContents();
}

async function showHistory(page) {
  await button(page.getByRole('navigation', { name: 'Views' }), 'History').click();
  await page.getByRole('searchbox', { name: 'Search history' }).waitFor();
}

async function dataPanel(page) {
  const summary = page.getByText('Export, import and storage');
  const details = page.locator('details', { has: summary });
  if (!(await details.evaluate((d) => d.open))) await summary.click();
  return details;
}

async function importJson(page, text, name = 'history.json') {
  const panel = await dataPanel(page);
  await panel.getByLabel('Import').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

async function search(page, text) {
  await page.getByRole('searchbox', { name: 'Search history' }).fill(text);
}

/** Waits until the list shows exactly these names (in this order). */
async function expectNames(page, names, message) {
  let last = [];
  await eventually(async () => {
    last = await rows(page);
    return last.length === names.length && names.every((n, i) => last[i].includes(n));
  }, { message: `${message}: want ${JSON.stringify(names)}, have ${JSON.stringify(last)}` });
}

async function exportJson(page, { all = false } = {}) {
  const panel = await dataPanel(page);
  await panel.getByRole('radio', { name: all ? 'All calls' : 'This view' }).check();
  const [download] = await Promise.all([page.waitForEvent('download'), button(panel, 'Export JSON').click()]);
  assert.match(download.suggestedFilename(), /^patchbay-history-\d{4}-\d\d-\d\d\.json$/);
  return readFile(await download.path(), 'utf8');
}

function detail(page) {
  return page.getByRole('region', { name: 'Call details' });
}

describe('call history', () => {
  const rig = useRig();
  let pbx, site, browser, a;
  const ALL = ['1002', 'Ada Lovelace', 'Bob Missed', 'Dee Declined', 'Carol Dialed', 'Fay Busy', HTML_NAME];
  before(async () => {
    await clearOfMidnight();
    now = Date.now();
    SEEDS = seeds();
    ({ pbx, site, browser } = rig);
    a = await phone(browser, site, pbx, '1001');
  });
  after(() => a?.close());

  it('imports calls, shows a live call, filters, groups by day and searches numbers in any format and notes', async () => {
    const page = a.page;
    await page.getByText('Settings', { exact: true }).click();
    const country = page.getByLabel('Country for local numbers');
    await country.fill('GB');
    await country.press('Tab');
    await eventually(async () => (await country.inputValue()) === 'GB', { message: 'country kept' });

    await showHistory(page);
    await importJson(page, exportFile(SEEDS));
    await page.getByRole('status').filter({ hasText: 'Imported 6, skipped 0' }).waitFor();
    await expectNames(page, ALL.slice(1), 'seeded calls, newest first');

    // A real call through Kamailio: 1002 rings 1001 and gives up, so 1001 has a live missed call.
    const b = await phone(browser, site, pbx, '1002');
    try {
      await b.page.getByRole('combobox', { name: 'Number' }).fill('1001');
      await button(b.page, 'Call').click();
      await history(page).getByRole('button', { name: /1002/ }).waitFor({ timeout: 15000 });
      await button(callCard(b.page, '1001'), 'Hang up').click();
    } finally {
      await b.close();
    }
    await expectNames(page, ALL, 'the live call on top');
    // Its icons say what happened, in words, in the row's accessible name.
    assert.match(await history(page).getByRole('button').first().ariaSnapshot(), /button "Incoming,? missed,? 1002\b/);

    // Grouping by day: today, yesterday, then dates.
    const days = await history(page).getByRole('heading').allTextContents();
    assert.deepEqual(days.slice(0, 2), ['Today', 'Yesterday']);
    assert.equal(days.length, 6, `one heading per day: ${days}`);

    const filter = async (name, names) => {
      await button(page.getByRole('group', { name: 'Show' }), name).click();
      assert.equal(await button(page, name).getAttribute('aria-pressed'), 'true');
      await expectNames(page, names, `filter ${name}`);
    };
    await filter('Missed', ['1002', 'Bob Missed', 'Dee Declined']);
    await filter('Received', ['Ada Lovelace', HTML_NAME]);
    await filter('Dialed', ['Carol Dialed', 'Fay Busy']);
    await filter('All', ALL);

    for (const number of ['+44 1632 960123', '01632960123', '1632960123']) {
      await search(page, number);
      await expectNames(page, ['Ada Lovelace'], `search ${number}`);
    }
    await search(page, 'invoice');
    await expectNames(page, ['Ada Lovelace'], 'search by a word in the notes');
    await search(page, 'no-such-word');
    await page.getByText('No calls match').waitFor();
    await search(page, '');
    await expectNames(page, ALL, 'search cleared');
    // The HTML in a caller name stayed text.
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('edits in the call detail are saved, survive a reload and reach another tab', async () => {
    const page = a.page;
    const other = await openTab(a.context, site);
    await showHistory(other);
    await button(history(other), /Ada Lovelace/).click();
    await detail(other).getByRole('heading', { name: 'Ada Lovelace' }).waitFor();

    await button(history(page), /Ada Lovelace/).click();
    const d = detail(page);
    await d.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    assert.equal(await d.getByLabel('Notes').inputValue(), 'Discussed the quarterly invoice');
    await d.getByLabel('Notes').fill('Call back on Friday about the invoice');
    await d.getByRole('textbox', { name: 'Tags' }).fill('vip, billing');
    await d.getByLabel('Ticket').fill('T-42');
    await d.getByLabel('Ticket').press('Tab');
    await d.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    // The other tab hears of it (it subscribes to the hub).
    const od = detail(other);
    await eventually(async () => (await od.getByLabel('Notes').inputValue()) === 'Call back on Friday about the invoice', { message: 'notes reach the other tab' });
    await eventually(async () => (await od.getByRole('textbox', { name: 'Tags' }).inputValue()) === 'vip, billing', { message: 'tags reach the other tab' });
    assert.equal(await od.getByLabel('Ticket').inputValue(), 'T-42');
    await other.close();

    await page.reload();
    await showHistory(page);
    await button(history(page), /Ada Lovelace/).click();
    const again = detail(page);
    await eventually(async () => (await again.getByLabel('Notes').inputValue()) === 'Call back on Friday about the invoice', { message: 'notes after reload' });
    assert.equal(await again.getByRole('textbox', { name: 'Tags' }).inputValue(), 'vip, billing');
    assert.equal(await again.getByLabel('Ticket').inputValue(), 'T-42');
    assert.deepEqual(await again.getByRole('list', { name: 'Tags' }).getByRole('listitem').allTextContents(), ['vip', 'billing']);
    assert.match(await again.textContent(), /by you/);
    // The facts of the call are there too.
    assert.match(await again.textContent(), /Talk\s*1:35/);
    assert.match(await again.textContent(), /\+441632960123/);
    // The new notes are searchable.
    await button(again, 'Back').click();
    await search(page, 'friday');
    await expectNames(page, ['Ada Lovelace'], 'search by the edited notes');
    await search(page, '');

    // A name full of HTML stays inert in the detail as well.
    await button(history(page), /Eve/).click();
    await detail(page).getByRole('heading', { name: HTML_NAME }).waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await button(detail(page), 'Back').click();
  });

  it('exports JSON and CSV, and a fresh profile signed out imports the export exactly once', async () => {
    const page = a.page;
    const text = await exportJson(page, { all: true });
    const exported = JSON.parse(text);
    assert.equal(exported.calls.length, 7);
    assert.equal(exported.calls.find((c) => c.id === 'seed-ada').notes, 'Call back on Friday about the invoice');

    // The filtered view: only the missed calls.
    await button(page.getByRole('group', { name: 'Show' }), 'Missed').click();
    await expectNames(page, ['1002', 'Bob Missed', 'Dee Declined'], 'missed');
    assert.deepEqual(JSON.parse(await exportJson(page)).calls.map((c) => c.remote.displayName ?? c.remote.number).sort(), ['1002', 'Bob Missed', 'Dee Declined'].sort());
    const panel = await dataPanel(page);
    const [csv] = await Promise.all([page.waitForEvent('download'), button(panel, 'Export CSV').click()]);
    const lines = (await readFile(await csv.path(), 'utf8')).trim().split(/\r\n/);
    assert.equal(lines.length, 4, 'a header and three missed calls');
    assert.match(lines[0], /^id,direction,outcome,number,name/);
    await button(page.getByRole('group', { name: 'Show' }), 'All').click();

    // A new profile, never signed in: the history works without a registration.
    const { context } = await openProfile(browser, site);
    const fresh = context.pages()[0];
    await showHistory(fresh);
    await fresh.getByText('No calls yet.').waitFor();
    await importJson(fresh, text, 'export.json');
    await fresh.getByRole('status').filter({ hasText: 'Imported 7, skipped 0' }).waitFor();
    await expectNames(fresh, ALL, 'the import');
    const back = JSON.parse(await exportJson(fresh, { all: true }));
    const byId = (x, y) => x.id.localeCompare(y.id);
    assert.deepEqual(back.calls.sort(byId), exported.calls.sort(byId), 'the export of the import is the export');
    await importJson(fresh, text, 'again.json');
    await fresh.getByRole('status').filter({ hasText: 'Imported 0, skipped 7' }).waitFor();
    await expectNames(fresh, ALL, 'no duplicates');
    // A file that is not an export is refused by name, and nothing changes.
    await importJson(fresh, 'name,number\nAda,+441632960123\n', 'contacts.csv');
    await fresh.getByRole('alert').filter({ hasText: 'Import failed: The file is not JSON' }).waitFor();
    await importJson(fresh, JSON.stringify({ format: 'patchbay-history', version: 1, calls: [{ ...SEEDS[0], id: 'x-bad', direction: 'sideways' }] }), 'bad.json');
    await fresh.getByRole('alert').filter({ hasText: /Call 1 \(id "x-bad"\) cannot be imported/ }).waitFor();
    await expectNames(fresh, ALL, 'nothing changed');
    await context.close();
  });

  it('"Keep history" deletes calls older than the chosen time and keeps the rest', async () => {
    const page = a.page;
    await importJson(page, exportFile([record('seed-old', { direction: 'inbound', outcome: 'answered', number: '+441632960555', name: 'Olga Old', at: now - 40 * DAY, talk: 3 })]));
    await page.getByRole('status').filter({ hasText: 'Imported 1, skipped 0' }).waitFor();
    await expectNames(page, [...ALL, 'Olga Old'], 'the old call');

    // The settings are on the phone view of a signed-in tab (the reload before may have restarted the hub).
    const openSettings = async () => {
      await button(page.getByRole('navigation', { name: 'Views' }), 'Phone').click();
      await page.getByRole('button', { name: 'Sign in' }).or(page.getByText('Settings', { exact: true })).first().waitFor();
      if (await page.getByRole('button', { name: 'Sign in' }).isVisible()) {
        await signIn(page, pbx, '1001');
        await waitStatus(page, 'Registered');
      }
      if (!(await page.getByLabel('Keep history').isVisible())) await page.getByText('Settings', { exact: true }).click();
    };
    await openSettings();
    assert.equal(await page.getByLabel('Keep history').inputValue(), '', 'forever by default');
    await page.getByLabel('Keep history').selectOption({ label: '30 days' });
    await showHistory(page);
    await expectNames(page, ALL, 'the call older than 30 days is gone');

    await page.reload();
    await openSettings();
    await eventually(async () => (await page.getByLabel('Keep history').inputValue()) === '30', { message: 'the setting is kept' });
    await page.getByLabel('Keep history').selectOption({ label: 'Forever' });
    await eventually(async () => (await page.getByLabel('Keep history').inputValue()) === '', { message: 'back to forever' });
  });

  it('"Call back" dials from the detail and "Open for apps" puts the call in the phone view', async () => {
    const page = a.page;
    const views = page.getByRole('navigation', { name: 'Views' });
    const b = await phone(browser, site, pbx, '1002');
    try {
      await showHistory(page);
      await button(history(page), /Incoming,? missed,? 1002/).click();
      await button(detail(page), 'Call back').click();
      await incoming(b.page).waitFor({ timeout: 15000 });
      assert.equal(await button(views, 'Phone').getAttribute('aria-current'), 'page', 'the phone view shows the call');
      await callCard(page, '1002').waitFor();
      await button(incoming(b.page), 'Decline').click();
      await callCard(page, '1002').waitFor({ state: 'detached' });
    } finally {
      await b.close();
    }
    await showHistory(page);
    await expectNames(page, ['1002', ...ALL], 'the call back is in the history');
    assert.match(await history(page).getByRole('button').first().ariaSnapshot(), /Outgoing,? declined,? 1002/);

    await button(history(page), /Ada Lovelace/).click();
    await button(detail(page), 'Open for apps').click();
    await eventually(async () => (await button(views, 'Phone').getAttribute('aria-current')) === 'page', { message: 'the phone view' });
    await page.getByRole('region', { name: 'Call record' }).getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  });

  it('"Call back" dials the number it shows, through the user\'s PBX, never the address a file stored', async () => {
    // The imported "Dee Declined" is number 1005 at sip:1005@pbx.example.com: another domain than
    // this PBX's. Call back calls 1005 at the user's own PBX (this test PBX ignores domains, so the
    // record of the call placed is what tells where it went).
    const page = a.page;
    const dee = await phone(browser, site, pbx, '1005');
    try {
      await showHistory(page);
      await button(history(page), /Dee Declined/).click();
      assert.match(await detail(page).textContent(), /sip:1005@pbx\.example\.com/, 'the stored address is shown');
      await button(detail(page), 'Call back').click();
      await incoming(dee.page).waitFor({ timeout: 15000 });
      await button(incoming(dee.page), 'Decline').click();
      await callCard(page, 'Dee Declined').or(callCard(page, '1005')).waitFor({ state: 'detached' });
    } finally {
      await dee.close();
    }
    // The call placed went to the number at the user's PBX: its record says so.
    await showHistory(page);
    await button(history(page), /Outgoing,? declined,? 1005/).click();
    await eventually(async () => (await detail(page).textContent()).includes(`sip:1005@${pbx.domain}`), { message: `the call went to sip:1005@${pbx.domain}` });
    assert.doesNotMatch(await detail(page).textContent(), /pbx\.example\.com/);
  });

  it('scrolls through thousands of calls with only the rows in view rendered, by wheel and keyboard', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await showHistory(page);
    const many = Array.from({ length: 3000 }, (_, i) =>
      record(`many-${i}`, { direction: i % 3 ? 'inbound' : 'outbound', outcome: i % 5 ? 'answered' : 'missed', number: `+4420794${String(i).padStart(5, '0')}`, name: `Caller ${i}`, at: now - i * 20 * 60_000, talk: 10 }));
    await importJson(page, exportFile(many), 'many.json');
    await page.getByRole('status').filter({ hasText: 'Imported 3000, skipped 0' }).waitFor({ timeout: 30000 });
    const list = history(page);
    await list.getByRole('button', { name: /Caller 0\b/ }).waitFor();
    assert.ok((await list.getByRole('button').count()) < 60, 'only the rows near the view are in the page');

    // Wheel down to the oldest call; the list reads more pages as it goes and drops far ones.
    await list.getByRole('button').first().hover();
    const last = list.getByRole('button', { name: /Caller 2999\b/ });
    await eventually(async () => {
      await page.mouse.wheel(0, 20000);
      return (await last.count()) > 0;
    }, { timeout: 60000, interval: 50, message: 'the oldest call' });
    assert.ok((await list.getByRole('button').count()) < 60, 'still only the rows near the view');
    assert.equal(await list.getByRole('listitem').filter({ hasText: 'Caller 2999' }).getAttribute('aria-setsize'), '3000');

    // Back to the top: pages dropped on the way down are read again.
    await eventually(async () => {
      await page.mouse.wheel(0, -40000);
      return (await list.getByRole('button', { name: /Caller 0\b/ }).count()) > 0;
    }, { timeout: 30000, interval: 50, message: 'the newest call again' });

    // Keyboard: arrows move between calls, Enter opens one.
    await list.getByRole('button', { name: /Caller 0\b/ }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await detail(page).getByRole('heading', { name: 'Caller 2' }).waitFor();
    await button(detail(page), 'Back').click();
    await eventually(async () => page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el?.textContent?.includes('Caller 2') ?? false;
    }), { message: 'focus back on the row' });
    await context.close();
  });

  it('says so when storage is full and keeps every record it had', async () => {
    const { context, pages: [page] } = await openProfile(browser, site);
    await showHistory(page);
    // A small quota, set before the first write (IndexedDB caches the space it has left): room for
    // a handful of calls, not for a thousand with long notes.
    // The service worker's precache counts against the quota too: measure once it is in.
    await page.evaluate(() => navigator.serviceWorker?.ready);
    const cdp = await context.newCDPSession(page);
    const origin = new URL(site.url).origin;
    const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 300_000 });
    await importJson(page, exportFile(SEEDS));
    await page.getByRole('status').filter({ hasText: 'Imported 6, skipped 0' }).waitFor();
    const panel = await dataPanel(page);
    await panel.getByText(/Storage: 6 records/).waitFor();
    await button(panel, 'Keep history on this device').click();
    await panel.getByText(/keeps the history until you delete it|may clear the history/).waitFor();

    const big = Array.from({ length: 1500 }, (_, i) =>
      record(`bulk-${i}`, { direction: 'inbound', outcome: 'answered', number: `+44207946${String(i).padStart(4, '0')}`, name: `Bulk ${i}`, at: now - 10 * DAY - i * 1000, talk: 1, notes: 'x'.repeat(2000) }));
    await importJson(page, exportFile(big), 'big.json');
    await page.getByRole('alert').or(page.getByRole('status').filter({ hasText: /Imported \d/ })).first().waitFor({ timeout: 30000 });
    assert.match(await panel.getByRole('alert').textContent(), /Storage is full/, 'the quota error is shown');
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    // The earlier records are all there, newest first, whatever part of the import fitted.
    let seen = [];
    await eventually(async () => {
      seen = (await rows(page)).slice(0, 6);
      return ALL.slice(1).every((n, i) => seen[i]?.includes(n));
    }, { message: `every earlier record intact: ${JSON.stringify(seen)}` });
    await context.close();
  });
});
