// A local stand-in for the parts of Google that call logging talks to, over HTTPS with a certificate
// made for the test: accounts.google.com's authorization endpoint (the implicit grant for client-side
// apps), gmail.googleapis.com's REST API (users.labels.list and .create, users.messages.insert) and
// oauth2.googleapis.com's revoke. One server answers all three by the Host header; Chromium reaches it
// at the real names with `googleArgs(port)`. Answers and error bodies are shaped as Google documents
// them (https://developers.google.com/workspace/gmail/api/reference/rest,
// https://developers.google.com/identity/protocols/oauth2/javascript-implicit-flow).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const GOOGLE_HOSTS = ['accounts.google.com', 'gmail.googleapis.com', 'oauth2.googleapis.com'];
export const GMAIL_SCOPES = 'https://www.googleapis.com/auth/gmail.insert https://www.googleapis.com/auth/gmail.labels';
const SYSTEM_LABELS = ['INBOX', 'SENT', 'DRAFT', 'SPAM', 'TRASH', 'UNREAD', 'STARRED', 'IMPORTANT', 'CATEGORY_PERSONAL'];

/** Chromium flags that send Google's names to the stand-in on `port` and accept its certificate. */
export function googleArgs(port) {
  return [
    `--host-resolver-rules=${GOOGLE_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${port}`).join(', ')}`,
    '--ignore-certificate-errors',
  ];
}

/** A self-signed certificate for Google's names, made with openssl (EC P-256, valid two days). */
export function selfSignedCertificate(hosts = GOOGLE_HOSTS) {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${hosts[0]}`,
      '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } catch (error) {
    throw new Error(`could not make a certificate with openssl (install Debian's "openssl"): ${error.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Header fields of an RFC 5322 message, unfolded, RFC 2047 B-words decoded (what the logger writes). */
export function headersOf(message) {
  const head = message.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const fields = new Map();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const value = line.slice(colon + 1).trim()
      .replace(/(\?=)\s+(=\?)/g, '$1$2')
      .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
    fields.set(line.slice(0, colon).trim().toLowerCase(), value);
  }
  return fields;
}

/** The first text/plain part's text. */
export function plainTextOf(message) {
  const at = message.search(/^Content-Type:\s*text\/plain/im);
  if (at < 0) return '';
  const blank = message.indexOf('\r\n\r\n', at);
  const end = message.indexOf('\r\n--', blank);
  const body = message.slice(blank + 4, end < 0 ? undefined : end);
  return /^Content-Transfer-Encoding:\s*base64/im.test(message.slice(at, blank)) ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** Google's error body (https://developers.google.com/workspace/gmail/api/guides/handle-errors). */
function googleError(code, status, message, reason, extra = {}) {
  return { code, body: { error: { code, message, errors: [{ message, domain: 'global', reason, ...extra }], status } } };
}

/**
 * Starts the stand-in on 127.0.0.1 (a free port unless given).
 *
 * @param {{ clientId: string, port?: number }} options `clientId`: the only OAuth client it knows
 */
export async function startGoogle({ clientId, port = 0 }) {
  const { key, cert } = selfSignedCertificate();
  /** Redirect URIs registered for the client (exact match, as Google checks them). */
  const redirectUris = new Set();
  /** Every authorization request, as asked. */
  const authorizations = [];
  /** Access tokens issued and not revoked: token → scopes. */
  const tokens = new Map();
  const revoked = [];
  const labels = new Map(SYSTEM_LABELS.map((id) => [id, { id, name: id, type: 'system' }]));
  let nextLabel = 1;
  /** Inserted messages: { id, labelIds, labelNames, raw (decoded), headers, text, at }. */
  const messages = [];
  /** Every API request: { method, path, status, at } (`at`: epoch ms of the answer). */
  const requests = [];

  const labelJson = (l) => ({
    id: l.id, name: l.name, type: l.type,
    ...(l.type === 'user' ? { messageListVisibility: 'show', labelListVisibility: 'labelShow' } : { messageListVisibility: 'hide', labelListVisibility: 'labelShow' }),
  });

  function cors(req, res) {
    const origin = req.headers.origin;
    if (!origin) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }

  function json(res, code, body, headers = {}) {
    res.writeHead(code, { 'Content-Type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));
  }

  async function readBody(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** accounts.google.com: the consent page answers at once, as for a user who allowed before. */
  function authorize(req, res, url) {
    const q = url.searchParams;
    authorizations.push(Object.fromEntries(q));
    const refuse = (error, detail) =>
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Error 400: ${error}</title><h1>Access blocked</h1><p>Error 400: ${error}</p><p>${detail}</p>`);
    if (url.pathname !== '/o/oauth2/v2/auth') return refuse('invalid_request', `unknown path ${url.pathname}`);
    if (q.get('client_id') !== clientId) return refuse('invalid_client', 'The OAuth client was not found.');
    const redirect = q.get('redirect_uri') ?? '';
    if (!redirectUris.has(redirect)) return refuse('redirect_uri_mismatch', `redirect_uri=${redirect}`);
    if (q.get('response_type') !== 'token') return refuse('unsupported_response_type', `response_type=${q.get('response_type')}`);
    if (q.get('scope') !== GMAIL_SCOPES) return refuse('invalid_scope', `scope=${q.get('scope')}`);
    const token = `ya29.test-${randomBytes(18).toString('base64url')}`;
    tokens.set(token, GMAIL_SCOPES.split(' '));
    const answer = new URLSearchParams({ state: q.get('state') ?? '', access_token: token, token_type: 'Bearer', expires_in: '3599', scope: GMAIL_SCOPES });
    res.writeHead(302, { Location: `${redirect}#${answer}`, 'Cache-Control': 'no-store' }).end();
  }

  /** gmail.googleapis.com's REST API: the three calls the logger makes. */
  async function gmail(req, res, url) {
    const send = (code, body, headers) => {
      requests.push({ method: req.method, path: url.pathname, status: code, at: Date.now() });
      json(res, code, body, headers);
    };
    const fail = ({ code, body }, headers) => send(code, body, headers);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const scopes = token ? tokens.get(token) : undefined;
    if (!scopes) {
      return fail(
        googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'authError', { location: 'Authorization', locationType: 'header' }),
        { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    }
    const needs = (scope) => scopes.includes(`https://www.googleapis.com/auth/${scope}`);
    const forbidden = () => fail(googleError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', 'insufficientPermissions'));
    const body = req.method === 'POST' ? await readBody(req) : '';
    let input;
    try {
      input = body ? JSON.parse(body) : undefined;
    } catch {
      return fail(googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', 'parseError'));
    }
    if (url.pathname === '/gmail/v1/users/me/labels' && req.method === 'GET') {
      if (!needs('gmail.labels')) return forbidden();
      return send(200, { labels: [...labels.values()].map(labelJson) });
    }
    if (url.pathname === '/gmail/v1/users/me/labels' && req.method === 'POST') {
      if (!needs('gmail.labels')) return forbidden();
      const name = typeof input?.name === 'string' ? input.name.trim() : '';
      if (!name) return fail(googleError(400, 'INVALID_ARGUMENT', 'Invalid label name', 'invalidArgument'));
      if ([...labels.values()].some((l) => l.name.toLowerCase() === name.toLowerCase())) {
        return fail(googleError(409, 'ALREADY_EXISTS', 'Label name exists or conflicts', 'duplicate'));
      }
      const label = { id: `Label_${nextLabel++}`, name, type: 'user' };
      labels.set(label.id, label);
      return send(200, labelJson(label));
    }
    if (url.pathname === '/gmail/v1/users/me/messages' && req.method === 'POST') {
      if (!needs('gmail.insert')) return forbidden();
      if (typeof input?.raw !== 'string' || !input.raw) {
        return fail(googleError(400, 'INVALID_ARGUMENT', "'raw' RFC822 payload message string or uploading message via /upload/* URL required", 'invalidArgument'));
      }
      const labelIds = input.labelIds ?? [];
      const unknown = labelIds.find((id) => !labels.has(id));
      if (unknown !== undefined) return fail(googleError(400, 'INVALID_ARGUMENT', `Invalid label: ${unknown}`, 'invalidArgument'));
      const raw = Buffer.from(input.raw, 'base64url').toString('utf8');
      const id = randomBytes(8).toString('hex');
      messages.push({
        id, labelIds, labelNames: labelIds.map((l) => labels.get(l).name), raw, headers: headersOf(raw), text: plainTextOf(raw),
        internalDateSource: url.searchParams.get('internalDateSource'), at: Date.now(),
      });
      return send(200, { id, threadId: id, labelIds });
    }
    return fail(googleError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound'));
  }

  const server = createHttps({ key, cert }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', `https://${host}`);
    if (host === 'accounts.google.com') {
      if (req.method !== 'GET') return res.writeHead(405).end();
      return authorize(req, res, url);
    }
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(200, {
        'Access-Control-Allow-Methods': 'DELETE,GET,HEAD,PATCH,POST,PUT',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '',
        'Access-Control-Max-Age': '3600',
      }).end();
      return undefined;
    }
    if (host === 'gmail.googleapis.com') {
      return gmail(req, res, url).catch((error) => {
        if (!res.headersSent) json(res, 500, googleError(500, 'INTERNAL', String(error), 'backendError').body);
      });
    }
    if (host === 'oauth2.googleapis.com' && url.pathname === '/revoke' && req.method === 'POST') {
      const token = url.searchParams.get('token') ?? '';
      if (!tokens.delete(token)) return json(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
      revoked.push(token);
      return json(res, 200, {});
    }
    return json(res, 404, googleError(404, 'NOT_FOUND', 'Not Found', 'notFound').body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });

  return {
    port: server.address().port,
    /** Chromium's flags for this server (see `googleArgs`). */
    args: () => googleArgs(server.address().port),
    /** Registers a redirect URI for the client, as in Google's console. */
    allowRedirect: (uri) => redirectUris.add(uri),
    authorizations,
    messages,
    requests,
    revoked,
    labelNames: () => [...labels.values()].filter((l) => l.type === 'user').map((l) => l.name),
    /** A label made in Gmail by the user (not through the API client under test); its id. */
    createLabel: (name) => {
      const label = { id: `Label_${nextLabel++}`, name, type: 'user' };
      labels.set(label.id, label);
      return label.id;
    },
    /** Takes back every token issued (as Google does when a grant is removed). */
    revokeAll: () => tokens.clear(),
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
