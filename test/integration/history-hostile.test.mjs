// A hostile history file, and records stored before imports were checked: the import refuses them by
// name, the history still lists and searches at once, and a link that is not http(s) is never a link.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { button, eventually, openProfile } from '../support/browser.mjs';
import { useRig } from '../support/rig.mjs';

const HOUR = 3600_000;
/** The last millisecond a JavaScript date can hold: year 275760. */
const LAST_DATE = 8.64e15;

/** One ended, answered call as a JSON export holds it. */
function record(id, { name, number, at, notes, links }) {
  return {
    id,
    sipCallId: `${id}@seed`,
    direction: 'inbound',
    state: 'ended',
    outcome: 'answered',
    remote: { number, uri: `sip:${number.replace('+', '')}@pbx.example.com`, displayName: name },
    local: { uri: 'sip:1001@127.0.0.1' },
    events: [{ type: 'ringing', at }, { type: 'answered', at }, { type: 'ended', at }],
    startedAt: at,
    answeredAt: at,
    endedAt: at,
    ringSeconds: 0,
    talkSeconds: 0,
    secure: true,
    muted: false,
    media: 'none',
    ...(notes ? { notes } : {}),
    ...(links ? { contact: { links } } : {}),
    version: 3,
    provenance: { state: { by: 'pbx', at } },
  };
}
const exportFile = (calls) => JSON.stringify({ format: 'patchbay-history', version: 1, calls });

const now = Date.now();
const NINA = record('seed-nina', { name: 'Nina Normal', number: '+441632960101', at: now - HOUR, notes: 'Sent the invoice' });
const WALT = record('seed-walt', { name: 'Walt Wild', number: '+441632960102', at: LAST_DATE, notes: 'Another invoice' });
const ZED = record('seed-zed', { name: 'Zed Overflow', number: '+441632960103', at: 1e300, notes: 'One more invoice' });
const JAY = record('seed-jay', {
  name: 'Jay Links', number: '+441632960104', at: now - 2 * HOUR,
  links: ['javascript:window.__pwned=1', 'https://example.com/jay'],
});

function history(page) {
  return page.getByRole('list', { name: 'Call history' });
}

async function showHistory(page) {
  await button(page.getByRole('navigation', { name: 'Views' }), 'History').click();
  await page.getByRole('searchbox', { name: 'Search history' }).waitFor();
}

async function importJson(page, text) {
  const summary = page.getByText('Export, import and storage');
  const details = page.locator('details', { has: summary });
  if (!(await details.evaluate((d) => d.open))) await summary.click();
  await details.getByLabel('Import').setInputFiles({ name: 'history.json', mimeType: 'application/json', buffer: Buffer.from(text) });
}

/** Searches and waits (`timeout` ms at most) until the list shows exactly these names. */
async function searchFinds(page, text, names, timeout) {
  await page.getByRole('searchbox', { name: 'Search history' }).fill(text);
  let last = [];
  await eventually(async () => {
    if (!names.length) return page.getByText(`No calls match “${text}”`).isVisible();
    last = await history(page).getByRole('button').allTextContents();
    return last.length === names.length && names.every((n, i) => last[i].includes(n));
  }, { timeout, message: `search "${text}" to show ${JSON.stringify(names)}` }).catch((e) => assert.fail(`${e.message}: have ${JSON.stringify(last)}`));
}

/**
 * Writes records and their search entries straight into the hub's database, as a version that did not
 * check imported times and links would have stored them (history-index.ts: `entryOf`).
 */
async function storeRaw(page, records) {
  await page.evaluate(async (records) => {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('patchbay');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction(['calls', 'search'], 'readwrite');
    for (const r of records) {
      const period = String.fromCharCode(Math.floor(r.startedAt / (30 * 86_400_000)));
      const words = `${r.remote.displayName} ${r.notes ?? ''}`.toLowerCase().match(/[a-z0-9]+/g);
      tx.objectStore('calls').put(r);
      tx.objectStore('search').put({ t: -r.startedAt, id: r.id, cat: 'received', terms: words.map((w) => `${period}w${w}`) });
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, records);
}

describe('history: hostile files and records', () => {
  const rig = useRig({ pbx: false });
  /** A new browser profile on the (empty) history view; the hub has made its database. */
  async function freshHistory() {
    const { context, pages: [page] } = await openProfile(rig.browser, rig.site);
    await showHistory(page);
    await page.getByText('No calls yet.').waitFor();
    return { context, page };
  }
  let context;
  afterEach(() => context?.close());

  it('refuses a file with a call dated year 275760 or a javascript: link, naming the call; nothing is imported and search answers', async () => {
    let page;
    ({ context, page } = await freshHistory());
    await importJson(page, exportFile([NINA, WALT]));
    const refused = page.getByRole('alert').filter({ hasText: /Import failed: Call 2 \(id "seed-walt"\) cannot be imported: startedAt: .*275760/ });
    await refused.waitFor();
    assert.match(await refused.textContent(), /Nothing was imported/);
    await page.getByText('No calls yet.').waitFor();

    await importJson(page, exportFile([NINA, JAY]));
    await page.getByRole('alert').filter({ hasText: /Call 2 \(id "seed-jay"\) cannot be imported: contact\.links\.0: an http\(s\), mailto or tel URL/ }).waitFor();
    await page.getByText('No calls yet.').waitFor();

    await importJson(page, exportFile([NINA]));
    await page.getByRole('status').filter({ hasText: 'Imported 1, skipped 0' }).waitFor();
    await searchFinds(page, 'invoice', ['Nina Normal'], 5000);
  });

  it('calls stored with a wild date before imports were checked still list, and a search still answers at once', async () => {
    let page;
    ({ context, page } = await freshHistory());
    await importJson(page, exportFile([NINA]));
    await page.getByRole('status').filter({ hasText: 'Imported 1, skipped 0' }).waitFor();
    await storeRaw(page, [WALT, ZED]);
    await page.reload();
    await showHistory(page);
    let names = [];
    await eventually(async () => {
      names = await history(page).getByRole('button').allTextContents();
      return names.length === 3;
    }, { message: 'three calls listed' }).catch((e) => assert.fail(`${e.message}: have ${JSON.stringify(names)}`));
    for (const [i, name] of ['Zed Overflow', 'Walt Wild', 'Nina Normal'].entries()) assert.match(names[i], new RegExp(name));

    // The two wild calls are no call's time: a search finds the real one, in well under the time a user waits.
    await searchFinds(page, 'invoice', ['Nina Normal'], 5000);
    await searchFinds(page, '01632 960101', ['Nina Normal'], 5000);
    await searchFinds(page, 'nobody', [], 5000);
  });

  it('a javascript: link stored before imports were checked shows as text, never as a link', async () => {
    let page;
    ({ context, page } = await freshHistory());
    await storeRaw(page, [JAY]);
    await page.reload();
    await showHistory(page);
    await button(history(page), /Jay Links/).click();
    const detail = page.getByRole('region', { name: 'Call details' });
    await detail.getByRole('heading', { name: 'Jay Links' }).waitFor();
    await detail.getByText('javascript:window.__pwned=1').waitFor();
    assert.equal(await detail.getByRole('link', { name: /javascript:/ }).count(), 0, 'the javascript: link is text');
    assert.equal(await detail.locator('a[href^="javascript:" i]').count(), 0);
    assert.equal(await detail.getByRole('link', { name: 'https://example.com/jay' }).getAttribute('href'), 'https://example.com/jay');
    await detail.getByText('javascript:window.__pwned=1').click();
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });
});
