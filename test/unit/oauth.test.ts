import { expect } from 'chai';
import { authorizationUrl, GMAIL_SCOPES, readRedirect } from '../../src/integrations/gmail/oauth.ts';

const SCOPE = 'https://www.googleapis.com/auth/gmail.insert https://www.googleapis.com/auth/gmail.labels';

describe('Gmail OAuth', () => {
  it('asks Google for a token with exactly the insert and labels scopes', () => {
    const url = new URL(authorizationUrl({ clientId: 'id.apps.googleusercontent.com', redirectUri: 'https://phone.example/gmail.html', state: 'r4nd0m', loginHint: 'ada@example.com' }));
    expect(url.origin + url.pathname).to.equal('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({
      client_id: 'id.apps.googleusercontent.com',
      redirect_uri: 'https://phone.example/gmail.html',
      response_type: 'token',
      scope: SCOPE,
      include_granted_scopes: 'false',
      state: 'r4nd0m',
      login_hint: 'ada@example.com',
    });
    expect(new URL(authorizationUrl({ clientId: 'c', redirectUri: 'https://p.example/', state: 's' })).searchParams.has('login_hint')).to.equal(false);
  });

  it('reads the token, its expiry and its scopes from the redirect', () => {
    const now = 1_800_000_000_000;
    const granted = readRedirect(`#access_token=ya29.abc&token_type=Bearer&expires_in=3599&scope=${encodeURIComponent(SCOPE)}&state=r4nd0m`, 'r4nd0m', now);
    expect(granted).to.deep.equal({ token: 'ya29.abc', expiresAt: now + 3_599_000, scopes: [...GMAIL_SCOPES] });
  });

  it('refuses an answer whose state is not ours', () => {
    const fragment = `access_token=ya29.abc&expires_in=3599&scope=${encodeURIComponent(SCOPE)}&state=other`;
    expect(() => readRedirect(fragment, 'r4nd0m')).to.throw(/not for the request Patchbay made/);
    expect(() => readRedirect(fragment.replace('&state=other', ''), 'r4nd0m')).to.throw(/not for the request/);
    expect(() => readRedirect(fragment, '')).to.throw(/not for the request/);
  });

  it('says so when the user did not allow it', () => {
    expect(() => readRedirect('#error=access_denied&state=s', 's')).to.throw('You did not allow Patchbay to file calls in Gmail');
    expect(() => readRedirect('#error=server_error&state=s', 's')).to.throw(/Google could not connect Gmail \(server_error\)/);
  });

  it('names the permission the user left unticked', () => {
    const only = (scope: string) => `#access_token=t&expires_in=3599&scope=${encodeURIComponent(scope)}&state=s`;
    expect(() => readRedirect(only('https://www.googleapis.com/auth/gmail.labels'), 's')).to.throw(/permission to add messages in Gmail/);
    expect(() => readRedirect(only('https://www.googleapis.com/auth/gmail.insert'), 's')).to.throw(/permission to manage labels in Gmail/);
    expect(() => readRedirect(only(''), 's')).to.throw(/add messages and manage labels/);
  });

  it('refuses an answer with no usable token', () => {
    expect(() => readRedirect(`#expires_in=3599&scope=${encodeURIComponent(SCOPE)}&state=s`, 's')).to.throw(/no usable access token/);
    expect(() => readRedirect(`#access_token=t&expires_in=soon&scope=${encodeURIComponent(SCOPE)}&state=s`, 's')).to.throw(/no usable access token/);
  });
});
