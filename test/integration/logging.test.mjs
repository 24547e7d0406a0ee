import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GMAIL_SCOPES, startGoogle } from '../support/google.mjs';
import { startWebhook } from '../support/webhook.mjs';
import { startPbx } from '../support/pbx.mjs';
import { button, dial, eventually, incoming, launch, openProfile, openTab, signIn, startSite, waitStatus } from '../support/browser.mjs';
import { callCard, connect, phone } from '../support/phones.mjs';

const CLIENT_ID = '1234-patchbay-test.apps.googleusercontent.com';
const TOKEN = 'hook-s3cret';

describe('call logging to Gmail and a webhook, for calls through Kamailio', () => {
  let pbx, site, plainSite, browser, google, hook, dir;
  /** The user who logs (1001, on the site with Gmail and a webhook) and the other party (1002). */
  let me, other;

  before(async () => {
    [google, hook, pbx] = await Promise.all([startGoogle({ clientId: CLIENT_ID }), startWebhook(), startPbx({ rtpengine: false })]);
    // The deployment: the built site with the admin's config.json naming the Gmail client and the webhook.
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-logging-site-'));
    cpSync(process.env.PATCHBAY_DIST ?? 'dist', dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ gmail: { clientId: CLIENT_ID }, webhooks: [{ url: hook.url, token: TOKEN }] }));
    // The other party's phone is the same build with no logging set up, so only 1001's calls are logged.
    [site, plainSite, browser] = await Promise.all([startSite({ dir }), startSite(), launch({ args: google.args() })]);
    google.allowRedirect(new URL('oauth.html', site.url).href);
    hook.allowOrigin(site.origin);

    const { context, pages: [page] } = await openProfile(browser, site);
    await signIn(page, pbx, '1001', { remember: true });
    await waitStatus(page, 'Registered');
    me = { user: '1001', context, page };
    other = await phone(browser, plainSite, pbx, '1002');
    await openCallLogging(me.page);
    await me.page.getByLabel('Wrap-up before a call is logged').selectOption({ label: 'Log at once' });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([site?.close(), plainSite?.close(), google?.close(), hook?.close(), pbx?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Settings → Call logging, opened. */
  async function openCallLogging(page) {
    const details = page.locator('pb-call-logging details');
    if (!(await details.evaluate((d) => d.open))) await page.getByText('Call logging', { exact: true }).click();
  }

  const gmailStatus = (page) => page.locator('pb-call-logging').getByRole('status');

  /** "Connect Gmail": Google's consent in a popup, which comes back to oauth.html and closes. */
  async function connectGmail(page) {
    await openCallLogging(page);
    const popup = page.waitForEvent('popup');
    await button(page, 'Connect Gmail').click();
    const window = await popup;
    await eventually(() => window.isClosed(), { message: 'the popup closed by itself' });
    await gmailStatus(page).filter({ hasText: /^Gmail: connected$/ }).waitFor();
  }

  /** The webhook POSTs for one call, and the Gmail messages filed for it. */
  const posts = (id) => hook.received.filter((r) => r.headers['idempotency-key'] === id);
  const mails = (id) => google.messages.filter((m) => m.headers.get('message-id') === `<call-${id}@patchbay.invalid>`);

  /** Runs `act` (which makes one call of 1001's final) and resolves with that call's id, from its first webhook POST. */
  async function newCall(act) {
    const before = new Set(hook.received.map((r) => r.headers['idempotency-key']));
    await act();
    return eventually(() => hook.received.find((r) => !before.has(r.headers['idempotency-key']))?.headers['idempotency-key'],
      { timeout: 15000, message: 'the call POSTed to the webhook' });
  }

  /** The panel's record of the call in focus, with one line per destination. */
  const record = (page) => page.getByLabel('Call record');
  const logLines = async (page) => (await record(page).getByRole('list', { name: 'Logging' }).getByRole('listitem').allTextContents()).map((s) => s.trim());

  async function checkPost(id, { direction, outcome }) {
    const [post, ...more] = posts(id);
    assert.equal(more.length, 0, `one POST for call ${id}`);
    assert.equal(post.status, 200);
    assert.equal(post.headers.authorization, `Bearer ${TOKEN}`);
    assert.match(post.headers['content-type'], /^application\/json/);
    assert.equal(post.headers.origin, site.origin);
    assert.equal(post.body.event, 'call.final');
    assert.equal(post.body.version, 1);
    assert.equal(post.body.call.id, id);
    assert.equal(post.body.call.direction, direction);
    assert.equal(post.body.call.outcome, outcome);
    assert.ok(!('log' in post.body.call), "the hub's own delivery log is not sent");
    return post;
  }

  function checkMail(id, { label, from, to, subject }) {
    const [mail, ...more] = mails(id);
    assert.ok(mail, `a Gmail message for call ${id}`);
    assert.equal(more.length, 0, `one Gmail message for call ${id}`);
    assert.deepEqual(mail.labelNames, [label]);
    assert.match(mail.headers.get('from'), from);
    assert.match(mail.headers.get('to'), to);
    assert.match(mail.headers.get('subject'), subject);
    const date = Date.parse(mail.headers.get('date'));
    assert.ok(Math.abs(date - Date.now()) < 120_000, `dated at the call's start: ${mail.headers.get('date')}`);
    assert.equal(mail.internalDateSource, 'dateHeader');
    assert.match(mail.text, /Logged by Patchbay/);
    return mail;
  }

  it('a forged answer to the redirect page (a guessed state, a refusal, scopes missing) connects nothing', async () => {
    // What reaches the hub is a URL fragment anyone can put in a link to oauth.html: only the answer to
    // the consent the hub asked for, with its state and both scopes, is taken.
    const answers = await me.page.evaluate(async ({ scope }) => {
      const api = document.querySelector('patchbay-app').client.api;
      const redirect = new URL('oauth.html', document.baseURI).href;
      const url = new URL(await api.gmailAuthorization(redirect));
      const state = url.searchParams.get('state');
      const tried = [
        `#access_token=forged&token_type=Bearer&expires_in=3599&scope=${encodeURIComponent(scope)}&state=guessed`,
        `#error=access_denied&state=${state}`,
        `#access_token=forged&token_type=Bearer&expires_in=3599&scope=${encodeURIComponent('https://www.googleapis.com/auth/gmail.labels')}&state=${state}`,
        `#access_token=${'x'.repeat(9000)}&state=${state}`,
      ];
      const out = [];
      for (const fragment of tried) out.push(await api.gmailAuthorized(fragment).then(() => 'taken', (e) => e.name));
      return out;
    }, { scope: GMAIL_SCOPES });
    assert.deepEqual(answers, ['PermissionDenied', 'PermissionDenied', 'PermissionDenied', 'InvalidArgument']);
    await gmailStatus(me.page).filter({ hasText: /^Gmail: not connected$/ }).waitFor();
    assert.equal(google.requests.filter((r) => /gmail\/v1/.test(r.path)).length, 0, 'nothing sent to Gmail');
  });

  it('"Connect Gmail" goes through Google\'s consent in a popup and back', async () => {
    await gmailStatus(me.page).filter({ hasText: /^Gmail: not connected$/ }).waitFor();
    await connectGmail(me.page);
    assert.equal(google.authorizations.length, 1);
    const [asked] = google.authorizations;
    assert.equal(asked.client_id, CLIENT_ID);
    assert.equal(asked.redirect_uri, `${site.origin}/oauth.html`);
    assert.equal(asked.response_type, 'token');
    assert.equal(asked.scope, GMAIL_SCOPES);
    assert.match(asked.state, /^[\w-]{16,}$/, 'a state to check the answer against');
    assert.equal(me.context.pages().length, 1, 'the popup closed itself');
    await me.page.getByText("Webhooks: 1 from the site's configuration").waitFor();
  });

  it('a missed, an answered and an outgoing call: one Gmail message each under its label, one webhook POST each', async () => {
    // Missed: 1002 calls, and gives up while it rings.
    const missed = await newCall(async () => {
      await dial(other.page, '1001');
      await incoming(me.page).waitFor();
      await button(callCard(other.page, '1001'), 'Hang up').click();
    });
    await eventually(() => mails(missed).length, { message: 'the missed call in Gmail' });
    await eventually(async () => (await logLines(me.page)).includes('Logged to Gmail'), { message: '"Logged to Gmail" on the record' });
    assert.deepEqual(await logLines(me.page), ['Logged to Gmail', 'Logged to webhook 1']);
    checkMail(missed, { label: 'Voice calls/Missed', from: /1002@127\.0\.0\.1/, to: /1001@127\.0\.0\.1/, subject: /^Call with 1002 · missed$/ });
    await checkPost(missed, { direction: 'inbound', outcome: 'missed' });

    // Answered: 1002 calls, 1001 answers, 1001 hangs up.
    const answered = await newCall(async () => {
      await connect(other, me);
      await button(callCard(me.page, '1002'), 'Hang up').click();
    });
    await eventually(() => mails(answered).length, { message: 'the answered call in Gmail' });
    await eventually(async () => /Incoming, answered/.test(await record(me.page).textContent()) && (await logLines(me.page)).includes('Logged to Gmail'),
      { message: 'the answered call\'s record says "Logged to Gmail"' });
    checkMail(answered, { label: 'Voice calls/Incoming', from: /1002@127\.0\.0\.1/, to: /1001@127\.0\.0\.1/, subject: /^Call with 1002 · incoming\b/ });
    await checkPost(answered, { direction: 'inbound', outcome: 'answered' });

    // Meanwhile the user made "Voice calls/Outbound" in Gmail: creating it again is a 409, and the one there is used.
    const outboundLabel = google.createLabel('Voice calls/Outbound');
    const outgoing = await newCall(async () => {
      await connect(me, other);
      await button(callCard(other.page, '1001'), 'Hang up').click();
    });
    await eventually(() => mails(outgoing).length, { message: 'the outgoing call in Gmail' });
    await eventually(async () => /Outgoing, answered/.test(await record(me.page).textContent()) && (await logLines(me.page)).includes('Logged to Gmail'),
      { message: 'the outgoing call\'s record says "Logged to Gmail"' });
    const mail = checkMail(outgoing, { label: 'Voice calls/Outbound', from: /1001@127\.0\.0\.1/, to: /1002@127\.0\.0\.1/, subject: /^Call with 1002 · outgoing\b/ });
    assert.deepEqual(mail.labelIds, [outboundLabel]);
    await checkPost(outgoing, { direction: 'outbound', outcome: 'answered' });

    assert.deepEqual(google.labelNames().sort(), ['Voice calls', 'Voice calls/Incoming', 'Voice calls/Missed', 'Voice calls/Outbound']);
    assert.ok(google.requests.some((r) => r.status === 409), 'the label that was there already answered 409');
    assert.equal(google.messages.length, 3, 'nothing else was filed');
    assert.equal(hook.received.length, 3, 'nothing else was POSTed');
  });

  it('a call made final while Gmail is disconnected waits, survives the hub stopping, and is filed once on reconnect', async () => {
    await button(me.page, 'Disconnect Gmail').click();
    await gmailStatus(me.page).filter({ hasText: /^Gmail: not connected$/ }).waitFor();
    assert.equal(google.revoked.length, 1, 'the token was revoked at Google');
    const id = await newCall(async () => {
      await dial(other.page, '1001');
      await incoming(me.page).waitFor();
      await button(callCard(other.page, '1001'), 'Hang up').click();
    });
    await me.page.getByText('Unlogged calls: 1 · Gmail is not connected: choose "Reconnect Gmail" in Settings').waitFor();
    await eventually(async () => (await logLines(me.page)).includes('Logged to webhook 1'), { message: 'the webhook had it' });
    assert.deepEqual(await logLines(me.page), ['Waiting to log to Gmail', 'Logged to webhook 1']);
    assert.equal(mails(id).length, 0);

    // Every tab of the profile closes: the hub stops with the last one (1002's hub is another site's).
    const cdp = await browser.newBrowserCDPSession();
    const hubUrl = `${site.origin}/hub.js`;
    // Without SharedWorker (PATCHBAY_NO_SHARED_WORKER=1) the hub is a dedicated worker of the tab.
    const hubRunning = async () => (await cdp.send('Target.getTargets')).targetInfos.some((t) => t.type === 'shared_worker' && t.url === hubUrl) ||
      (!me.page.isClosed() && me.page.workers().some((w) => w.url() === hubUrl));
    assert.ok(await hubRunning(), 'the hub runs while a tab is open');
    pbx.resetCounts();
    await me.page.close();
    await eventually(async () => !(await hubRunning()), { message: 'the hub worker gone with the last tab' });
    await pbx.waitForLog(/PBX-WS-CLOSED/);

    me.page = await openTab(me.context, site);
    await waitStatus(me.page, 'Registered');
    assert.equal(pbx.counts().wsOpen, 1, 'a new hub connected');
    await me.page.getByText(/^Unlogged calls: 1\b/).waitFor();
    await connectGmail(me.page);
    await eventually(() => mails(id).length, { message: 'the waiting call in Gmail after the reconnect' });
    await eventually(async () => (await me.page.getByText(/^Unlogged calls:/).count()) === 0, { message: 'no unlogged calls' });
    checkMail(id, { label: 'Voice calls/Missed', from: /1002@/, to: /1001@/, subject: /missed/ });
    assert.equal(posts(id).length, 1, 'the webhook had it already, once');
    await cdp.detach();
  });

  it('a webhook answering 503 gets the call again on "Retry now"; one answering 400 is not asked again', async () => {
    // 400: refused for good, and said on the record.
    hook.answers.push({ status: 400, body: 'unknown tenant' });
    const refused = await newCall(async () => {
      await dial(other.page, '1001');
      await incoming(me.page).waitFor();
      await button(callCard(other.page, '1001'), 'Hang up').click();
    });
    await eventually(async () => (await logLines(me.page)).some((l) => l.startsWith('Not logged to webhook 1: ')), { message: 'the refusal on the record' });
    assert.match((await logLines(me.page)).find((l) => l.startsWith('Not logged to webhook 1')), /^Not logged to webhook 1: The webhook 127\.0\.0\.1:\d+ answered 400 Bad Request: unknown tenant$/);
    await eventually(() => mails(refused).length, { message: 'the refused call still in Gmail' });

    // 503 with Retry-After: waits (ten minutes, so the banner stays however slow the machine), and goes
    // again at once on "Retry now".
    hook.answers.push({ status: 503, headers: { 'Retry-After': '600' } });
    const retried = await newCall(async () => {
      await connect(me, other);
      await button(callCard(me.page, '1002'), 'Hang up').click();
    });
    // The banner counts the call at once, and says why it waits once the attempt has been answered.
    await me.page.getByText(/^Unlogged calls: 1\b[\s\S]*answered 503 Service Unavailable; trying again at/).waitFor();
    await button(me.page, 'Retry now').click();
    await eventually(() => posts(retried).length === 2, { message: 'the second attempt' });
    await eventually(async () => (await logLines(me.page)).includes('Logged to webhook 1'), { message: '"Logged to webhook 1" after the retry' });
    assert.deepEqual(posts(retried).map((p) => p.status), [503, 200]);
    assert.equal(posts(retried)[1].body.call.id, retried, 'the same call, the same Idempotency-Key');
    assert.deepEqual(posts(refused).map((p) => p.status), [400], 'the refused call was not sent again, "Retry now" or not');
    assert.equal(mails(retried).length, 1);
  });

  it('a token Google no longer takes: the call waits, the panel asks to reconnect, and the call is filed once after', async () => {
    google.revokeAll();
    const before = google.messages.length;
    const id = await newCall(async () => {
      await dial(other.page, '1001');
      await incoming(me.page).waitFor();
      await button(callCard(other.page, '1001'), 'Hang up').click();
    });
    await gmailStatus(me.page).filter({ hasText: 'Gmail: the connection ran out. Calls wait to be logged until you reconnect.' }).waitFor();
    await me.page.getByText(/^Unlogged calls: 1\b/).waitFor();
    assert.ok(google.requests.some((r) => r.status === 401), 'Gmail answered 401');
    assert.equal(google.messages.length, before);

    const popup = me.page.waitForEvent('popup');
    await button(me.page, 'Reconnect Gmail').click();
    const window = await popup;
    await eventually(() => window.isClosed(), { message: 'the popup closed by itself' });
    await gmailStatus(me.page).filter({ hasText: /^Gmail: connected$/ }).waitFor();
    await eventually(() => mails(id).length, { message: 'the call in Gmail after the reconnect' });
    await eventually(async () => (await me.page.getByText(/^Unlogged calls:/).count()) === 0, { message: 'no unlogged calls' });
    assert.deepEqual(await logLines(me.page), ['Logged to Gmail', 'Logged to webhook 1']);
    assert.equal(mails(id).length, 1);
    assert.equal(posts(id).length, 1);
  });

  it('a wrap-up that ends while every tab is closed: the call is logged when a tab opens again', async () => {
    // Another user of the site, with a 30-second wrap-up and Gmail not connected.
    const { context, pages: [page] } = await openProfile(browser, site);
    try {
      await signIn(page, pbx, '1003', { remember: true });
      await waitStatus(page, 'Registered');
      await openCallLogging(page);
      await page.getByLabel('Wrap-up before a call is logged').selectOption({ label: '30 seconds' });
      const seen = hook.received.length;
      await dial(other.page, '1003');
      await incoming(page).waitFor();
      await button(callCard(other.page, '1003'), 'Hang up').click();
      await record(page).getByText(/^Logged when the wrap-up ends \(.+\), or at Done$/).waitFor();
      const endedAt = Date.now();
      await page.close();
      // The wrap-up runs out while no hub runs; the next tab starts one.
      await new Promise((r) => setTimeout(r, Math.max(0, endedAt + 31_000 - Date.now())));
      assert.equal(hook.received.length, seen, 'nothing was sent while no tab was open');
      const again = await openTab(context, site);
      await waitStatus(again, 'Registered');
      const post = await eventually(() => hook.received.slice(seen).find((r) => r.body?.call?.local?.uri?.includes('1003')),
        { message: 'the call POSTed once a tab is open again' });
      assert.equal(post.body.call.outcome, 'missed');
      await again.getByText('Unlogged calls: 1 · Gmail is not connected: choose "Reconnect Gmail" in Settings').waitFor();
      assert.equal(posts(post.body.call.id).length, 1);
    } finally {
      await context.close();
    }
  });

  it('a call made final while the webhook cannot be reached arrives once it is back', async () => {
    await hook.stop();
    const before = google.messages.length;
    await dial(other.page, '1001');
    await incoming(me.page).waitFor();
    await button(callCard(other.page, '1001'), 'Hang up').click();
    await eventually(() => google.messages.length === before + 1, { message: 'the call in Gmail' });
    await me.page.getByText(/^Unlogged calls: 1\b/).waitFor();
    await eventually(async () => (await logLines(me.page)).some((l) => /^Waiting to log to webhook 1: The webhook 127\.0\.0\.1:\d+ could not be reached/.test(l)),
      { message: 'the record says the webhook could not be reached' });
    const id = /<call-(.+)@patchbay\.invalid>/.exec(google.messages.at(-1).headers.get('message-id'))[1];
    assert.equal(posts(id).length, 0);

    await hook.start();
    await button(me.page, 'Retry now').click();
    await eventually(() => posts(id).length, { message: 'the call at the webhook once it is back' });
    await eventually(async () => (await me.page.getByText(/^Unlogged calls:/).count()) === 0, { message: 'no unlogged calls' });
    assert.deepEqual(await logLines(me.page), ['Logged to Gmail', 'Logged to webhook 1']);
    await checkPost(id, { direction: 'inbound', outcome: 'missed' });

    // Over the whole file: no call reached the webhook twice with success, and none is in Gmail twice.
    const accepted = hook.received.filter((r) => r.status === 200).map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(accepted).size, accepted.length, `each call accepted once by the webhook: ${accepted.join(' ')}`);
    const filed = google.messages.map((m) => m.headers.get('message-id'));
    assert.equal(new Set(filed).size, filed.length, 'each call filed once in Gmail');
  });
});
