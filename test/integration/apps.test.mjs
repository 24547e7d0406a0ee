// Business apps from a second origin enrich calls through the hub: the patent's loop, end to end, with
// real calls through Kamailio.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { button, eventually, incoming, openProfile, openTab, signIn, waitStatus } from '../support/browser.mjs';
import { appConnected, appFrame, demoApps, probe, serveApps, useAppsRig } from '../support/apps.mjs';
import { phone } from '../support/phones.mjs';

describe('apps in the panel enrich every call', () => {
  const rig = useAppsRig({
    pbx: { rtpengine: false },
    apps: (url) => [...demoApps(url), probe(url, 'watcher', ['read'])],
  });
  let agent, caller, page, crm, helpdesk, watcher;
  const record = () => page.getByRole('region', { name: 'Call record' });
  /** A wrap-up field of the call card, named with who wrote it ("Company by CRM"), and its value. */
  const field = async (name) => {
    const box = record().getByRole('textbox', { name, exact: true });
    return (await box.count()) ? box.inputValue() : undefined;
  };
  const watcherEvents = () => watcher.evaluate(() => window.events.map(({ call: _c, ...e }) => e));

  before(async () => {
    agent = await phone(rig.browser, rig.site, rig.pbx, '1001');
    page = agent.page;
    [crm, helpdesk, watcher] = await Promise.all(rig.apps.map((a) => appFrame(page, a.url)));
    for (const [frame, id] of [[crm, 'crm'], [helpdesk, 'helpdesk'], [watcher, 'watcher']]) await appConnected(frame, id);
    caller = await phone(rig.browser, rig.site, rig.pbx, '1002');
  });

  it('two apps enrich a ringing call, each building on the other, and the panel shows who wrote what', async () => {
    await caller.page.getByRole('combobox', { name: 'Number' }).fill('1001');
    await button(caller.page, 'Call').click();
    await incoming(page).waitFor();
    // The CRM knows the number; the helpdesk only reacts to the company the CRM wrote.
    await record().getByRole('heading', { name: 'Charles Babbage' }).waitFor();
    await eventually(async () => (await field('Ticket by Helpdesk')) === 'HD-1042', { message: 'the helpdesk ticket' });
    assert.equal(await field('Company by CRM'), 'Analytical Engines Ltd');
    assert.match(await record().textContent(), /Title\s*Inventor\s*by CRM/);
    await helpdesk.getByRole('region', { name: 'Open tickets', includeHidden: true }).getByText('HD-1042: Difference engine jams').waitFor({ state: 'attached' });
    await crm.getByRole('region', { name: 'Caller card' }).getByText('Charles Babbage').waitFor();
    // The incoming-call dialog in every tab shows the name the CRM found.
    await eventually(async () => (await incoming(page).textContent()).includes('Charles Babbage'), { message: 'name in the dialog' });

    // A third app saw both apps' writes, with the fields each changed.
    const events = await watcherEvents();
    assert.ok(events.some((e) => e.type === 'created'), 'told the call rings');
    assert.ok(events.some((e) => e.type === 'updated' && e.changed.includes('contact.name') && e.changed.includes('apps.crm.contactId')), 'told what the CRM wrote');
    assert.ok(events.some((e) => e.type === 'updated' && e.changed.includes('ticket')), 'told what the helpdesk wrote');
    // Apps rewriting what is already there changed nothing, so the loop died out: the version settled.
    const settled = (await page.evaluate(() => document.title)) && (await watcherEvents()).length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await watcherEvents()).length, settled, 'no endless updates between apps');
  });

  it('notes typed in the panel reach every app', async () => {
    await button(incoming(page), 'Answer').click();
    await record().getByLabel('Notes').fill('Wants the column 3 fix before Friday');
    await helpdesk.getByRole('list', { name: 'Notes received', includeHidden: true }).getByText('Charles Babbage: Wants the column 3 fix before Friday').waitFor({ state: 'attached' });
    await eventually(async () => (await watcherEvents()).some((e) => e.changed.includes('notes')), { message: 'the watcher told of the notes' });
    await eventually(async () => /saved/i.test(await record().getByRole('status').textContent()), { message: 'Saved' });
    // The wrap-up typed during the call: in the record as the user's, and told to the apps.
    await record().getByRole('textbox', { name: 'Subject', exact: true }).fill('Column 3 fix');
    await record().getByRole('textbox', { name: 'Opportunity', exact: true }).fill('OPP-77');
    await eventually(async () => (await watcherEvents()).some((e) => e.changed.includes('opportunity')), { message: 'the watcher told of the opportunity' });
    const seen = await watcher.evaluate(() => window.events.findLast((e) => e.changed.includes('opportunity')).call);
    assert.equal(seen.subject, 'Column 3 fix');
    assert.equal(seen.opportunity, 'OPP-77');
    assert.equal(seen.provenance.opportunity.by, 'user');
    await page.getByRole('region', { name: /^Call with/ }).getByRole('button', { name: 'Hang up' }).click();
    await eventually(async () => (await watcherEvents()).some((e) => e.type === 'ended'), { message: 'ended' });
  });

  it('a previous call opened from the recent calls is live for the apps again', async () => {
    await button(record(), 'Done').click();
    await record().waitFor({ state: 'detached' });
    await eventually(async () => (await watcherEvents()).some((e) => e.type === 'closed'), { message: 'closed' });
    const before = (await watcherEvents()).length;
    await page.getByRole('list', { name: 'Recent calls' }).getByRole('button', { name: 'Open the call with Charles Babbage for apps' }).click();
    await record().getByText('Wants the column 3 fix before Friday').or(record().getByLabel('Notes')).first().waitFor();
    assert.equal(await record().getByLabel('Notes').inputValue(), 'Wants the column 3 fix before Friday');
    await eventually(async () => (await watcherEvents()).slice(before).some((e) => e.type === 'opened'), { message: 'opened' });
    await crm.getByRole('region', { name: 'Caller card' }).getByText('Charles Babbage').waitFor();
  });

  it('a business card with no call goes through the same loop', async () => {
    await page.getByText('Look up a number or a business card').click();
    const form = page.locator('pb-lookup');
    await form.getByLabel('Name').fill('Grace Hopper');
    await button(form, 'Look up').click();
    await eventually(async () => /Lookup/.test(await record().textContent()) && /Grace Hopper/.test(await record().textContent()), { message: 'the lookup record' });
    await eventually(async () => (await field('Company by CRM')) === 'Compiler Works', { message: 'company from the CRM' });
    await eventually(async () => (await field('Ticket by Helpdesk')) === 'HD-2001', { message: 'ticket from the helpdesk' });
    const opened = (await watcherEvents()).filter((e) => e.type === 'opened');
    assert.ok(opened.length >= 2, 'the lookup was announced as opened');
  });

  it('five tabs and three apps in each still make one WebSocket and one registration at the PBX', async () => {
    rig.pbx.resetCounts();
    const { context, pages } = await (async () => {
      const ctx = await rig.browser.newContext({ permissions: ['microphone'] });
      const tabs = [];
      for (let i = 0; i < 5; i++) tabs.push(await openTab(ctx, rig.site));
      return { context: ctx, pages: tabs };
    })();
    await pages[0].getByLabel('Server').fill(rig.pbx.wsUrl);
    await pages[0].getByLabel('SIP address').fill(`sip:1005@${rig.pbx.domain}`);
    await pages[0].getByLabel('Password').fill('pw-1005');
    await button(pages[0], 'Sign in').click();
    for (const p of pages) await waitStatus(p, 'Registered');
    for (const p of pages) {
      for (const app of rig.apps) {
        await appConnected(await appFrame(p, app.url), app.id);
      }
    }
    const counts = rig.pbx.counts();
    assert.equal(counts.wsOpen, 1, '15 app connections, one WebSocket');
    assert.equal(counts.registersByUser['1005'], 2, 'one registration (challenge + authorised)');
    await context.close();
  });

  it('notes typed while the apps are unreachable reach them when they connect again', async () => {
    const port = rig.appsSite.port;
    await rig.appsSite.close();
    const { context, pages: [tab] } = await openProfile(rig.browser, rig.site);
    await signIn(tab, rig.pbx, '1007', { remember: true });
    await waitStatus(tab, 'Registered');
    await tab.getByText('Look up a number or a business card').click();
    await tab.locator('pb-lookup').getByLabel('Company').fill('Analytical Engines Ltd');
    await button(tab.locator('pb-lookup'), 'Look up').click();
    const card = tab.getByRole('region', { name: 'Call record' });
    await card.getByLabel('Notes').fill('Typed while the helpdesk was away');
    await eventually(async () => /saved/i.test(await card.getByRole('status').textContent()), { message: 'Saved' });
    // The apps come back; the panel is reloaded (a new hub: what was kept survived in IndexedDB).
    rig.appsSite = await serveApps({ port, panel: rig.site.url });
    await tab.reload();
    await waitStatus(tab, 'Registered');
    const desk = await appFrame(tab, rig.apps[1].url);
    await appConnected(desk, 'helpdesk');
    await desk.getByRole('list', { name: 'Notes received', includeHidden: true })
      .getByText('Typed while the helpdesk was away').waitFor({ state: 'attached' });
    await context.close();
  });
});
