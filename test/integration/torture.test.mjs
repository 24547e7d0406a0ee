import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { button, incoming, openProfile, recent, waitStatus } from '../support/browser.mjs';
import { useRig } from '../support/rig.mjs';
import { startGarbageWs } from '../support/garbage-ws.mjs';
import { TORTURE } from '../support/torture/index.mjs';

// The phone signs in as the user most RFC 4475 messages are addressed to (torture/index.mjs).
const AOR = 'sip:user@example.com';

/** The Call-ID of a message as sent (the first, if it has several). */
const callIdOf = (data) => /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(data.toString('latin1'))?.[1] ?? null;

/** The final (or ringing) answer among the client's replies to one message: 100 Trying is not one. */
const answerOf = (replies, callId) => replies.find((r) => r.status !== null && r.status !== 100 && (!callId || r.callId === callId));

describe('SIP torture messages (RFC 4475, RFC 5118) over the WebSocket', () => {
  const rig = useRig({ pbx: false });
  let bad, context, page;
  before(async () => {
    bad = await startGarbageWs({ frames: () => [] });
    ({ context, pages: [page] } = await openProfile(rig.browser, rig.site));
    await page.getByLabel('Server').fill(bad.url);
    await page.getByLabel('SIP address').fill(AOR);
    await page.getByLabel('Password').fill('torture');
    await button(page, 'Sign in').click();
    await waitStatus(page, 'Registered', 15000);
    assert.ok(await bad.registered(), 'the phone registered');
  });
  after(async () => {
    await context?.close();
    await bad?.close();
  });

  it('every message gets the answer RFC 3261 requires, the hub keeps answering, and only valid INVITEs ring', async () => {
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const { viaHost } = bad.target();
    const rows = [];
    const failures = [];
    let rang = 0;
    for (const [n, t] of TORTURE.entries()) {
      const frame = t.deliver({ user: 'user', viaHost }, n);
      const { replies, probeAnswered } = await bad.exchange({ ...frame, name: t.name });
      assert.ok(probeAnswered, `after ${t.name} the hub still answers an OPTIONS`);
      const reply = answerOf(replies, callIdOf(frame.data));
      let answer = reply?.status ?? null;
      let shown = '';
      if (answer === 180 || answer === null) {
        // A ringing INVITE may answer 180 after the probe: the screen is the judge.
        const ringing = await incoming(page).waitFor({ timeout: t.expect.rings ? 10000 : 300 }).then(() => true, () => false);
        if (ringing) {
          shown = (await incoming(page).textContent()).replace(/\s+/g, ' ').trim().replace(/^Incoming call | Answer Decline Send to voicemail$/g, '').trim();
          answer = 180;
          rang++;
          await button(incoming(page), 'Decline').click();
          await incoming(page).waitFor({ state: 'hidden' });
        }
      }
      // Nothing that was refused may show on the screen.
      if (answer !== 180) assert.equal(await incoming(page).count(), 0, `${t.name} is not on the screen`);
      const ok = answer === null ? t.expect.status === null : !!t.expect.status?.includes(answer);
      if (!ok) failures.push(`${t.name} (${t.section}): got ${answer ?? 'nothing'}, want ${t.expect.status ?? 'nothing'}`);
      if (t.expect.rings && !shown.includes(t.expect.rings)) failures.push(`${t.name}: the screen showed "${shown}", want "${t.expect.rings}"`);
      rows.push({ t, answer, shown, statusLine: reply?.text.split('\r\n')[0].replace(/^SIP\/2\.0 /, '') });
    }
    // The README's table, from what this run saw: TORTURE_TABLE=1 prints it.
    if (process.env.TORTURE_TABLE === '1') {
      console.log('| message | RFC section | expected | what Patchbay does |\n|---|---|---|---|');
      for (const { t, answer, shown, statusLine } of rows) {
        const did = answer === null ? 'sends nothing' : answer === 180 ? `rings, showing "${shown}"` : statusLine;
        console.log(`| ${t.name} | RFC ${t.rfc} ${t.section} | ${t.requires} | ${did} |`.replace(/\r|\n/g, ' '));
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(dialogs, [], 'nothing from a peer ran in the page');
    // Only the INVITEs that rang are calls: the invalid ones reached no record.
    await recent(page).first().waitFor();
    assert.equal(await recent(page).count(), rang);
  });
});
