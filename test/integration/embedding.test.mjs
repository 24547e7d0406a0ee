// The panel embedded in other sites' pages: two HTTPS "CRM" sites at their own host names (Chromium's
// --host-resolver-rules, a certificate made for the test) iframe the panel, which config.json's
// `embedders` allows; a third site, not in the list, cannot frame it. Each embedding site gets its own
// storage partition, so its own hub and its own registration: a call rings in every one and in a
// first-party tab, and answering in one ends the ringing in the others. A stable +sip.instance with
// reg-id makes a restarted hub replace its binding at Kamailio rather than add one.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { after, before, describe, it } from 'node:test';
import { selfSignedCertificate } from '../support/google.mjs';
import { startPbx } from '../support/pbx.mjs';
import { button, eventually, incoming, launch, openTab, signIn, startSite, waitStatus } from '../support/browser.mjs';
import { callCard, phone } from '../support/phones.mjs';

const CRMS = ['crm-a.test', 'crm-b.test'];
const STRANGER = 'crm-c.test';

/**
 * playwright-core launches Chromium with ThirdPartyStoragePartitioning disabled: a cross-site iframe
 * then gets no SharedWorker at all. The last --disable-features wins, so this one puts partitioning
 * back (as every browser ships it) and keeps the rest of playwright's list that matters here.
 */
const KEEP_PARTITIONING = '--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,MediaRouter,PaintHolding,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch';

/** An HTTPS server answering each host name with a page that iframes the panel, as a CRM would. */
async function startCrms(panelUrl) {
  const { key, cert } = selfSignedCertificate([...CRMS, STRANGER]);
  const server = createHttps({ key, cert }, (req, res) => {
    const host = (req.headers.host ?? '').split(':')[0];
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<title>${host}</title><h1>Customer record at ${host}</h1>
<iframe title="Phone" src="${panelUrl}" allow="microphone; autoplay; storage-access" width="420" height="760"></iframe>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    args: [`--host-resolver-rules=${[...CRMS, STRANGER].map((h) => `MAP ${h} 127.0.0.1:${port}`).join(', ')}`, '--ignore-certificate-errors'],
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The contacts Kamailio holds for `user`, asked as RFC 3261 §10.2.3 says: a REGISTER with no Contact
 * changes nothing and is answered with every binding. Sent over UDP with digest authentication.
 */
async function bindings(pbx, user) {
  const socket = createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = socket.address().port;
  const callId = randomBytes(8).toString('hex');
  const md5 = (s) => createHash('md5').update(s).digest('hex');
  const send = (cseq, authorization) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Kamailio did not answer the REGISTER')), 5000);
      socket.once('message', (data) => {
        clearTimeout(timer);
        resolve(data.toString('utf8'));
      });
      const lines = [
        `REGISTER sip:${pbx.domain} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        'Max-Forwards: 70',
        `From: <sip:${user}@${pbx.domain}>;tag=${callId.slice(0, 6)}`,
        `To: <sip:${user}@${pbx.domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        ...(authorization ? [`Authorization: ${authorization}`] : []),
        'Content-Length: 0',
        '',
        '',
      ];
      socket.send(lines.join('\r\n'), pbx.sipPort, '127.0.0.1');
    });
  try {
    const challenge = await send(1);
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1];
    assert.ok(realm && nonce, `a digest challenge, got: ${challenge.split('\r\n')[0]}`);
    const uri = `sip:${pbx.domain}`;
    const cnonce = randomBytes(4).toString('hex');
    const response = md5(`${md5(`${user}:${realm}:pw-${user}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`);
    const answer = await send(2, `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`);
    assert.match(answer, /^SIP\/2\.0 200/, answer.split('\r\n')[0]);
    return answer.split('\r\n').filter((l) => /^(Contact|m):/i.test(l)).flatMap((l) => l.replace(/^[^:]+:\s*/, '').split(/,(?=\s*<)/));
  } finally {
    socket.close();
  }
}

const instanceOf = (contact) => /\+sip\.instance="<urn:uuid:([0-9a-f-]+)>"/i.exec(contact)?.[1];

describe('the panel embedded in two CRM sites', () => {
  let pbx, site, crms, browser, context, caller;
  const embedders = CRMS.map((h) => `https://${h}`);

  before(async () => {
    pbx = await startPbx({ rtpengine: false });
    site = await startSite({ files: { '/config.json': JSON.stringify({ server: pbx.wsUrl, embedders }) } });
    crms = await startCrms(site.url);
    browser = await launch({ args: [...crms.args, KEEP_PARTITIONING] });
    context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 480, height: 900 } });
  });
  after(async () => {
    await caller?.close();
    await context?.close();
    await browser?.close();
    await crms?.close();
    await site?.close();
    await pbx?.stop();
  });

  /** A CRM page with the panel in its iframe. */
  async function openCrm(host) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`pageerror (${host}): ${e.message}`));
    await page.goto(`https://${host}/`);
    const panel = page.frameLocator('iframe[title="Phone"]');
    await panel.getByRole('status').or(panel.getByRole('button', { name: 'Sign in' })).first().waitFor({ timeout: 15000 });
    return { page, panel };
  }

  const embedded = {};
  let firstParty;

  it('signs in inside each CRM, each site with its own registration, beside a first-party tab', async () => {
    firstParty = await openTab(context, site);
    await signIn(firstParty, pbx, '1001');
    await waitStatus(firstParty, 'Registered', 15000);
    for (const host of CRMS) {
      embedded[host] = await openCrm(host);
      // Its own partition: the first-party sign-in is not there, the user signs in here too.
      await embedded[host].panel.getByRole('button', { name: 'Sign in' }).waitFor();
      await signIn(embedded[host].panel, pbx, '1001', { remember: true });
      await waitStatus(embedded[host].panel, 'Registered', 15000);
      // The browser has not been asked yet: the panel offers to join the site's own hub.
      await button(embedded[host].panel, "Use this browser's phone").waitFor();
    }
    const contacts = await bindings(pbx, '1001');
    assert.equal(contacts.length, 3, `three hubs, three bindings: ${contacts.join(' | ')}`);
    const instances = contacts.map(instanceOf);
    assert.equal(new Set(instances.filter(Boolean)).size, 3, `each with its own +sip.instance: ${contacts.join(' | ')}`);
    assert.ok(contacts.every((c) => /reg-id=1/.test(c)), 'and reg-id');
  });

  it('an incoming call rings in both CRMs and the first-party tab; answered in one, it stops ringing in the others', async () => {
    caller = await phone(browser, site, pbx, '1002');
    await caller.page.getByRole('combobox', { name: 'Number' }).fill('1001');
    await button(caller.page, 'Call').click();
    const ringing = [firstParty, ...CRMS.map((h) => embedded[h].panel)];
    for (const where of ringing) await incoming(where).waitFor({ timeout: 15000 });
    const [a, b] = CRMS.map((h) => embedded[h].panel);
    await button(incoming(a), 'Answer').click();
    await callCard(caller.page, '1001').getByText('Audio connected').waitFor({ timeout: 20000 });
    await callCard(a, '1002').waitFor();
    for (const where of [firstParty, b]) await incoming(where).waitFor({ state: 'hidden', timeout: 15000 });
    await button(callCard(a, '1002'), 'Hang up').click();
    await callCard(caller.page, '1001').waitFor({ state: 'hidden', timeout: 15000 });
  });

  it('a CRM page closed and opened again registers the same instance: the binding is replaced, not added', async () => {
    const host = CRMS[0];
    const before = await bindings(pbx, '1001');
    const registers = pbx.counts().registrationsByUser['1001'] ?? 0;
    await embedded[host].page.close();
    // Its hub had no other page: it is gone without unregistering, as after a crash or a closed browser.
    embedded[host] = await openCrm(host);
    await waitStatus(embedded[host].panel, 'Registered', 20000);
    await eventually(() => (pbx.counts().registrationsByUser['1001'] ?? 0) > registers, { timeout: 15000, message: 'a new REGISTER' });
    const now = await bindings(pbx, '1001');
    assert.equal(now.length, before.length, `still ${before.length} bindings: ${now.join(' | ')}`);
    assert.deepEqual(now.map(instanceOf).sort(), before.map(instanceOf).sort(), 'the same instances');
  });

  it('storage access refused: the frame says so and keeps its own phone', async () => {
    const { panel } = embedded[CRMS[1]];
    // Headless Chromium answers the prompt with a refusal, as a user who says no.
    await button(panel, "Use this browser's phone").click();
    await panel.getByRole('alert').filter({ hasText: 'The browser did not allow it' }).waitFor({ timeout: 10000 });
    await waitStatus(panel, 'Registered');
  });

  it('storage access granted before: the frame joins the hub of the site\'s own tabs, with no sign-in and no binding of its own', async () => {
    // A profile where the user allowed the panel in crm-a.test before: Chromium keeps the grant as a
    // content setting (setting it through CDP's Browser.setPermission instead gets the frame's renderer
    // killed when it binds the handle, "requires third-party cookie access").
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-embed-'));
    mkdirSync(join(dir, 'Default'));
    const grant = `${site.origin},https://[*.]${CRMS[0]}`;
    writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { content_settings: { exceptions: { storage_access: { [grant]: { setting: 1 } } } } } }));
    const profile = await chromium.launchPersistentContext(dir, {
      executablePath: chromiumPath(),
      args: [...chromiumArgs(), ...crms.args, KEEP_PARTITIONING],
      headless: true,
      // No `permissions`: playwright grants them as DevTools overrides, which hide the remembered grant
      // (the microphone is allowed by --use-fake-ui-for-media-stream).
      viewport: { width: 480, height: 900 },
    });
    try {
      const tab = await openTab(profile, site);
      await signIn(tab, pbx, '1003');
      await waitStatus(tab, 'Registered', 15000);
      const page = await profile.newPage();
      await page.goto(`https://${CRMS[0]}/`);
      const panel = page.frameLocator('iframe[title="Phone"]');
      // Signed in already: the tab's hub, reached through the storage access handle.
      await waitStatus(panel, 'Registered', 15000);
      assert.equal(await button(panel, "Use this browser's phone").count(), 0);
      assert.equal((await bindings(pbx, '1003')).length, 1, 'one hub, one binding');
      await caller.page.getByRole('combobox', { name: 'Number' }).fill('1003');
      await button(caller.page, 'Call').click();
      await incoming(tab).waitFor({ timeout: 15000 });
      await incoming(panel).waitFor({ timeout: 15000 });
      await button(incoming(panel), 'Answer').click();
      await callCard(caller.page, '1003').getByText('Audio connected').waitFor({ timeout: 20000 });
      await incoming(tab).waitFor({ state: 'hidden', timeout: 15000 });
      // The tab shows the call the frame answered: one hub, one call.
      await callCard(tab, '1002').waitFor();
      await button(callCard(panel, '1002'), 'Hang up').click();
      await callCard(caller.page, '1003').waitFor({ state: 'hidden', timeout: 15000 });
    } finally {
      await profile.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a site not in the list cannot frame the panel', async () => {
    const page = await context.newPage();
    try {
      const refused = new Promise((resolve) => page.on('console', (m) => /frame-ancestors/.test(m.text()) && resolve(m.text())));
      await page.goto(`https://${STRANGER}/`);
      assert.match(await Promise.race([refused, new Promise((r) => setTimeout(() => r('no refusal logged'), 15000))]), /frame-ancestors/);
      const frame = page.frameLocator('iframe[title="Phone"]');
      assert.equal(await frame.getByRole('button', { name: 'Sign in' }).count(), 0);
      assert.equal(await frame.locator('pb-status').count(), 0);
      const response = await fetch(site.url);
      assert.match(response.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors ${embedders.join(' ')}$`));
    } finally {
      await page.close();
    }
  });
});
