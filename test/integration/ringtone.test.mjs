import { after, before, describe, it } from 'node:test';
import { startPbx } from '../support/pbx.mjs';
import { button, eventually, launch, openProfile, signIn, startSite, waitStatus } from '../support/browser.mjs';
import { phone } from '../support/phones.mjs';

describe('the ringtone and the browser\'s autoplay rules', () => {
  let pbx, site, browser;
  before(async () => {
    // As browsers ship: no sound before the user has clicked or typed on the page.
    [pbx, site, browser] = await Promise.all([startPbx({ rtpengine: false }), startSite(), launch({ args: ['--autoplay-policy=document-user-activation-required'] })]);
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await pbx?.stop();
  });

  it('a tab nobody has clicked yet says the call rings without sound, and "Turn on sound" turns it on', async () => {
    const { context, pages: [first] } = await openProfile(browser, site);
    await signIn(first, pbx, '1002');
    await waitStatus(first, 'Registered');
    // A tab opened later, never touched, takes over the audio when the first closes. It is watched
    // without a user gesture (Playwright's locators would give the page one).
    const fresh = await context.newPage();
    await fresh.goto(site.url);
    const cdp = await context.newCDPSession(fresh);
    const panelSays = async (text) => (await cdp.send('Runtime.evaluate', {
      // Every shadow root's text: the panel's components each have one.
      expression: `(() => {
        const texts = [];
        const walk = (root) => { texts.push(root.textContent ?? ''); for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot); };
        walk(document.body);
        return texts.join(' ').includes(${JSON.stringify(text)});
      })()`,
      userGesture: false, returnByValue: true,
    })).result.value;
    await eventually(() => panelSays('Registered'), { message: 'the new tab registered', timeout: 15000 });
    await first.close();
    await eventually(() => panelSays('Audio plays in this tab'), { message: 'the new tab plays audio', timeout: 15000 });
    const caller = await phone(browser, site, pbx, '1001');
    await caller.page.getByRole('combobox', { name: 'Number' }).fill('1002');
    await button(caller.page, 'Call').click();
    await eventually(() => panelSays('calls ring without sound'), { message: 'the panel asks for a click', timeout: 15000 });
    const banner = fresh.getByRole('alert').filter({ hasText: 'calls ring without sound' });
    await button(banner, 'Turn on sound').click();
    await banner.waitFor({ state: 'hidden' });
    await caller.close();
    await context.close();
  });
});
