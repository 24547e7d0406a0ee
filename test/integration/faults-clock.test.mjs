// The system clock jumping: Chromium runs under libfaketime, whose offset the test changes mid-call
// (hours back, then hours forward) while the monotonic clock runs on (DONT_FAKE_MONOTONIC).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { button, incoming, startSite, waitStatus } from '../support/browser.mjs';
import { newestCallDetail, showPhone } from '../support/call-detail.mjs';
import { startPbx } from '../support/pbx.mjs';
import { callCard, connect, phone } from '../support/phones.mjs';

const HOUR = 3600;

/** libfaketime's library, where Debian's package put it. */
function libfaketime() {
  const files = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8' }).split('\n');
  const lib = files.find((f) => /\/libfaketime\.so\.1$/.test(f));
  if (!lib) throw new Error('libfaketime not found: install the Debian package faketime');
  return lib;
}

/** Chromium whose wall clock is offset by what `setOffset` last wrote (seconds, may be negative). */
async function launchWithClock(dir) {
  const stamp = path.join(dir, 'faketime');
  const setOffset = (seconds) => writeFileSync(stamp, `${seconds >= 0 ? '+' : ''}${seconds}\n`);
  setOffset(0);
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: chromiumArgs(),
    headless: true,
    env: {
      ...process.env,
      LD_PRELOAD: libfaketime(),
      FAKETIME_TIMESTAMP_FILE: stamp,
      // read the file at every call, so a change applies at once
      FAKETIME_NO_CACHE: '1',
      // performance.now() and timers keep the real, monotonic time
      DONT_FAKE_MONOTONIC: '1',
      // without this, Chromium's processes never connect to each other under libfaketime
      FAKETIME_FORCE_MONOTONIC_FIX: '0',
    },
  });
  return { browser, setOffset };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The call card's timer, in seconds. */
async function cardSeconds(page, who) {
  const text = await callCard(page, who).getByRole('timer').textContent();
  return text.trim().split(':').map(Number).reduce((total, part) => total * 60 + part, 0);
}

/** A fact of the call detail ("Talk" → seconds). */
async function detailSeconds(detail, term) {
  const text = await detail.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]').textContent();
  return text.trim().split(':').map(Number).reduce((total, part) => total * 60 + part, 0);
}

describe('the system clock jumping', () => {
  let pbx, site, clock, dir;
  const pageErrors = [];
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-clock-'));
    // Registrations of 20 s: the phone refreshes every 18 s, several times during the test.
    [pbx, site, clock] = await Promise.all([startPbx({ rtpengine: false, maxExpires: 20 }), startSite(), launchWithClock(dir)]);
  });
  after(async () => {
    await clock?.browser.close();
    await site?.close();
    await pbx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('back 5 hours and forward 7 during a call: the registration keeps refreshing, the timer and the talk time are the real ones, and calls still ring', async () => {
    const a = await phone(clock.browser, site, pbx, '1001');
    const b = await phone(clock.browser, site, pbx, '1002');
    for (const p of [a, b]) p.page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await connect(a, b);
      const answered = Date.now();
      const refreshes = pbx.counts().registrationsByUser['1001'] ?? 0;

      clock.setOffset(-5 * HOUR);
      assert.ok(
        (await a.page.evaluate(() => Date.now())) < Date.now() - 4 * HOUR * 1000,
        "the browser's wall clock went back",
      );
      await sleep(12000);
      clock.setOffset(7 * HOUR);
      await sleep(12000);
      const real = (Date.now() - answered) / 1000;
      const shown = await cardSeconds(a.page, '1002');
      console.log(`# after ${real.toFixed(1)} s of talk with the clock moved -5 h then +7 h, the card shows ${shown} s`);
      assert.ok(Math.abs(shown - real) <= 3, `card timer ${shown} s, real ${real.toFixed(1)} s`);

      await button(callCard(a.page, '1002'), 'Hang up').click();
      const talked = (Date.now() - answered) / 1000;
      await callCard(b.page, '1001').waitFor({ state: 'detached', timeout: 15000 });
      for (const p of [a, b]) {
        const detail = await newestCallDetail(p.page);
        const talk = await detailSeconds(detail, 'Talk');
        console.log(`# ${p.user}: talk time ${talk} s, real ${talked.toFixed(1)} s`);
        assert.ok(Math.abs(talk - talked) <= 3, `${p.user}'s talk time ${talk} s, real ${talked.toFixed(1)} s`);
        await showPhone(p.page);
      }

      // Registrations of 20 s kept being refreshed through both jumps.
      const now = pbx.counts().registrationsByUser['1001'] ?? 0;
      assert.ok(now - refreshes >= 1, `refreshes of 1001 during the call: ${now - refreshes}`);
      await waitStatus(a.page, 'Registered');
      await sleep(20000);
      assert.ok((pbx.counts().registrationsByUser['1001'] ?? 0) > now, '1001 refreshed again with the clock 7 h ahead');
      await waitStatus(a.page, 'Registered');

      // And a call rings, and ends as missed when the caller gives up.
      await b.page.getByRole('combobox', { name: 'Number' }).fill('1001');
      await button(b.page, 'Call').click();
      await incoming(a.page).waitFor({ timeout: 15000 });
      await button(b.page, 'Hang up').click();
      await incoming(a.page).waitFor({ state: 'detached', timeout: 15000 });
      assert.deepEqual(pageErrors, []);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
