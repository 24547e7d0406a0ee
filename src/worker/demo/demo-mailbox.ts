/**
 * The demo's stand-in for Gmail: msw handlers that answer the Gmail API calls call logging makes
 * (labels.list, labels.create, messages.insert) with Google's shapes and error bodies, over a mailbox
 * in memory. Load it with a dynamic `import()` only for "Try the demo".
 */
import { getResponse, http, HttpResponse, type HttpHandler } from 'msw';

import type { DemoMessage } from '../../shared/api.ts';
import type { Fetch } from '../../integrations/delivery.ts';

export type { Fetch } from '../../integrations/delivery.ts';
/** A message in the demo mailbox, as the panel lists it: the contract's. */
export type DemoMailboxMessage = DemoMessage;

export interface DemoMailbox {
  /** Routes a request to the handlers; anything else is a 404 as from Google's front end. */
  fetch: Fetch;
  messages(): DemoMailboxMessage[];
  /** The access token the mailbox accepts. */
  token: string;
}

const BASE = 'https://gmail.googleapis.com/gmail/v1/users/me';

/** Google's error body (https://developers.google.com/workspace/gmail/api/guides/handle-errors). */
function googleError(code: number, status: string, message: string, reason: string, domain = 'global') {
  return HttpResponse.json({ error: { code, message, errors: [{ message, domain, reason }], status } }, { status: code });
}

const SYSTEM_LABELS = ['INBOX', 'SENT', 'DRAFT', 'SPAM', 'TRASH', 'UNREAD', 'STARRED', 'IMPORTANT'];

interface Label {
  id: string;
  name: string;
  type: 'system' | 'user';
}

/** Header fields of a raw RFC 5322 message, unfolded and with RFC 2047 encoded-words decoded. */
function headersOf(message: string): Map<string, string> {
  const head = message.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const fields = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return fields;
}

const utf8 = new TextDecoder();
const bytesOf = (b64: string) => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '')), (c) => c.charCodeAt(0));

function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === 'B') return utf8.decode(bytesOf(text));
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, h: string) => String.fromCharCode(parseInt(h, 16)));
      return utf8.decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
    });
}

/** The first text/plain part's text (base64 or as it is), for Gmail's snippet. */
function plainTextOf(message: string): string {
  const at = message.search(/^Content-Type:\s*text\/plain/im);
  if (at < 0) return '';
  const blank = message.indexOf('\r\n\r\n', at);
  if (blank < 0) return '';
  const partHeaders = message.slice(at, blank);
  const end = message.indexOf('\r\n--', blank);
  const body = message.slice(blank + 4, end < 0 ? undefined : end);
  try {
    return /^Content-Transfer-Encoding:\s*base64/im.test(partHeaders) ? utf8.decode(bytesOf(body)) : body;
  } catch {
    return '';
  }
}

/** A new, in-memory mailbox and the handlers that serve it. */
export function demoMailbox(token = `demo-${crypto.randomUUID()}`): DemoMailbox {
  const labels = new Map<string, Label>(SYSTEM_LABELS.map((id) => [id, { id, name: id, type: 'system' }]));
  const stored: DemoMailboxMessage[] = [];
  let nextLabel = 1;

  const authorized = (request: Request) => request.headers.get('authorization') === `Bearer ${token}`;
  const unauthorized = () =>
    googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'authError');
  const badRequest = (message: string) => googleError(400, 'INVALID_ARGUMENT', message, 'invalidArgument');
  const labelJson = (l: Label) => ({ id: l.id, name: l.name, type: l.type, ...(l.type === 'user' ? { messageListVisibility: 'show', labelListVisibility: 'labelShow' } : {}) });

  const handlers: HttpHandler[] = [
    http.get(`${BASE}/labels`, ({ request }) => {
      if (!authorized(request)) return unauthorized();
      return HttpResponse.json({ labels: [...labels.values()].map(labelJson) });
    }),
    http.post(`${BASE}/labels`, async ({ request }) => {
      if (!authorized(request)) return unauthorized();
      const body = (await request.json().catch(() => undefined)) as { name?: unknown } | undefined;
      const name = typeof body?.name === 'string' ? body.name.trim() : '';
      if (!name) return badRequest('Invalid label name');
      if ([...labels.values()].some((l) => l.name.toLowerCase() === name.toLowerCase())) {
        return googleError(409, 'ALREADY_EXISTS', 'Label name exists or conflicts', 'duplicate');
      }
      const label: Label = { id: `Label_${nextLabel++}`, name, type: 'user' };
      labels.set(label.id, label);
      return HttpResponse.json(labelJson(label));
    }),
    http.post(`${BASE}/messages`, async ({ request }) => {
      if (!authorized(request)) return unauthorized();
      const body = (await request.json().catch(() => undefined)) as { raw?: unknown; labelIds?: unknown } | undefined;
      if (typeof body?.raw !== 'string' || !body.raw) return badRequest("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
      const labelIds = Array.isArray(body.labelIds) ? body.labelIds : [];
      const unknown = labelIds.find((id) => typeof id !== 'string' || !labels.has(id));
      if (unknown !== undefined) return badRequest(`Invalid label: ${String(unknown)}`);
      let message: string;
      try {
        message = utf8.decode(bytesOf(body.raw));
      } catch {
        return badRequest('Invalid value for ByteString');
      }
      const headers = headersOf(message);
      const date = Date.parse(headers.get('date') ?? '');
      const id = crypto.randomUUID().replace(/-/g, '').slice(0, 16);
      stored.push({
        id,
        subject: headers.get('subject') ?? '',
        from: headers.get('from') ?? '',
        to: headers.get('to') ?? '',
        // internalDateSource=dateHeader: the Date header, or now when it has none.
        date: Number.isNaN(date) ? Date.now() : date,
        labelNames: labelIds.map((l) => labels.get(l as string)!.name),
        snippet: plainTextOf(message).replace(/\s+/g, ' ').trim().slice(0, 200),
      });
      return HttpResponse.json({ id, threadId: id, labelIds });
    }),
  ];

  const fetch: Fetch = async (request) =>
    (await getResponse(handlers, request)) ?? googleError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound');

  return {
    fetch,
    messages: () => [...stored].sort((a, b) => b.date - a.date).map((m) => ({ ...m, labelNames: [...m.labelNames] })),
    token,
  };
}
