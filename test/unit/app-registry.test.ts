import { expect } from 'chai';
import { checkApps, isGrant, mayWrite } from '../../src/worker/apps/app-registry.ts';

const PANEL = 'https://phone.example.com';
const crm = { id: 'crm', name: 'CRM', url: 'https://crm.example.net/patchbay/', grants: ['read', 'write:contact', 'dial'] };

function refusal(list: unknown): string {
  try {
    checkApps(list, 'admin', PANEL);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('app registry', () => {
  it('accepts apps from other origins and records their origin and source', () => {
    const [app] = checkApps([{ ...crm, source: 'user', extra: 'ignored' }], 'admin', PANEL);
    expect(app).to.deep.equal({ ...crm, origin: 'https://crm.example.net', source: 'admin' });
  });

  it('refuses an app on the panel\'s own origin, a bad id, a non-http URL, unknown grants and duplicate ids', () => {
    expect(refusal([{ ...crm, url: `${PANEL}/crm/` }])).to.match(/panel's own origin/);
    expect(refusal([{ ...crm, id: 'CRM!' }])).to.match(/^InvalidArgument: App 1: id: /);
    expect(refusal([{ ...crm, url: 'javascript:alert(1)' }])).to.match(/url/);
    expect(refusal([{ ...crm, grants: ['write:state'] }])).to.match(/grants/);
    expect(refusal([{ ...crm, grants: ['admin'] }])).to.match(/grants/);
    expect(refusal([crm, { ...crm, url: 'https://other.example.org/' }])).to.match(/Two apps have the id "crm"/);
    expect(refusal('crm')).to.match(/must be a list/);
  });

  it('grants name fields or groups of fields; an app always writes its own area only', () => {
    expect(isGrant('write:contact')).to.equal(true);
    expect(isGrant('write:contact.name')).to.equal(true);
    expect(isGrant('write:apps')).to.equal(false);
    const app = { id: 'crm', grants: ['write:contact'] };
    expect(mayWrite(app, 'contact.company')).to.equal(true);
    expect(mayWrite(app, 'contactx')).to.equal(false);
    expect(mayWrite(app, 'notes')).to.equal(false);
    expect(mayWrite(app, 'apps.crm.deal')).to.equal(true);
    expect(mayWrite(app, 'apps.helpdesk.deal')).to.equal(false);
  });
});
