/**
 * Connecting Gmail with Google's OAuth 2.0 flow for client-side web apps (the implicit grant:
 * https://developers.google.com/identity/protocols/oauth2/javascript-implicit-flow). A static site
 * has no secret to keep, so it asks for a short-lived access token and only the two scopes logging
 * needs: insert messages and manage labels (neither reads the mailbox).
 */
export const AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.insert', 'https://www.googleapis.com/auth/gmail.labels'] as const;

export interface AuthorizationRequest {
  clientId: string;
  /** Must be one of the client's authorized redirect URIs, exactly. */
  redirectUri: string;
  /** A fresh random value, checked again in `readRedirect` (the response must answer our request). */
  state: string;
  /** The address the user connected before, so Google preselects the account. */
  loginHint?: string;
}

/**
 * Google's authorization URL. No `prompt`: Google asks for consent the first time only, so a
 * reconnect after the hourly token expires is one click; `include_granted_scopes=false` keeps the
 * token to exactly these scopes.
 */
export function authorizationUrl(request: AuthorizationRequest): string {
  const url = new URL(AUTHORIZATION_ENDPOINT);
  const params: Record<string, string | undefined> = {
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'token',
    scope: GMAIL_SCOPES.join(' '),
    include_granted_scopes: 'false',
    state: request.state,
    login_hint: request.loginHint,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

export interface GrantedToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  scopes: string[];
}

/**
 * Reads Google's answer from the redirect's fragment (`#access_token=…&expires_in=3599&scope=…&state=…`,
 * or `#error=access_denied&state=…`). Throws an Error that says what happened and what to do.
 */
export function readRedirect(fragment: string, expectedState: string, now = Date.now()): GrantedToken {
  const params = new URLSearchParams(fragment.replace(/^#/, ''));
  if (!expectedState || params.get('state') !== expectedState) {
    throw new Error('This answer from Google is not for the request Patchbay made: connect Gmail again');
  }
  const error = params.get('error');
  if (error === 'access_denied') throw new Error('You did not allow Patchbay to file calls in Gmail');
  if (error) throw new Error(`Google could not connect Gmail (${error.slice(0, 100)}): try again`);
  const token = params.get('access_token');
  const seconds = Number(params.get('expires_in'));
  if (!token || !Number.isFinite(seconds) || seconds <= 0) throw new Error('Google gave no usable access token: connect Gmail again');
  // With granular consent the user may untick a scope; each one is needed.
  const scopes = (params.get('scope') ?? '').split(/\s+/).filter(Boolean);
  const missing = GMAIL_SCOPES.filter((s) => !scopes.includes(s));
  if (missing.length) {
    const what = missing.map((s) => (s.endsWith('.insert') ? 'add messages' : 'manage labels')).join(' and ');
    throw new Error(`Patchbay needs permission to ${what} in Gmail: connect again and leave every box ticked`);
  }
  return { token, expiresAt: now + seconds * 1000, scopes };
}
