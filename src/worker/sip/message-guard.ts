/**
 * Screens each SIP message from the server before sip.js reads it, for what RFC 3261 requires a UA
 * to answer and sip.js does not: sip.js drops a request it cannot parse without a word, and answers
 * some invalid ones as if they were fine (a CSeq method that is not the request's, two Call-IDs, a
 * Require it does not support). Checked against the torture messages of RFC 4475 and RFC 5118.
 *
 * The guard only reads text and builds a response from the request's own header lines (RFC 3261
 * 8.2.6.2: Via, From, To, Call-ID, CSeq copied); nothing from the peer is ever run.
 */

/** What to do with one incoming message. */
export interface Verdict {
  /** Hand the message to sip.js. */
  pass: boolean;
  /** A response to send back, when the guard answers instead of sip.js. */
  reply?: string;
  /** Why, for the log. */
  reason?: string;
}

/** The methods sip.js knows (its AllowedMethods): anything else is unknown to this UA (501). */
export const ALLOWED_METHODS = ['ACK', 'BYE', 'CANCEL', 'INFO', 'INVITE', 'MESSAGE', 'NOTIFY', 'OPTIONS', 'PRACK', 'REFER', 'REGISTER', 'SUBSCRIBE'];
/** Methods of RFC 3261 and its extensions that this UA recognises but may not support (sip.js answers 405). */
const KNOWN_METHODS = new Set([...ALLOWED_METHODS, 'UPDATE', 'PUBLISH']);
/** Body types an INVITE may carry for this UA. */
const INVITE_BODY_TYPES = ['application/sdp'];

const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};
/** Header fields a request carries once (RFC 3261 7.3.1: only list-valued fields may repeat). */
const SINGLE = ['call-id', 'from', 'to', 'cseq', 'max-forwards', 'content-length'];
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const REASONS: Record<number, string> = {
  400: 'Bad Request', 406: 'Not Acceptable', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 501: 'Not Implemented', 505: 'Version Not Supported',
};
const MAX_CSEQ = 2 ** 32 - 1;

interface Header {
  name: string;
  value: string;
}

/**
 * @param text     the message as the transport received it
 * @param parse   sip.js's own parser (run only for requests that got this far): what it cannot read,
 *                or reads without a Request-URI, sip.js would drop or throw on
 */
export function screenMessage(text: string, parse: (text: string) => object | undefined): Verdict {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [startLine = '', ...rest] = head.split('\r\n');

  if (/^SIP\//.test(startLine)) {
    // A response is never answered: one with an impossible status is dropped here, the rest is sip.js's.
    return /^SIP\/2\.0 [1-6]\d\d( |$)/.test(startLine) ? { pass: true } : { pass: false, reason: `bad status line "${startLine.slice(0, 60)}"` };
  }

  const { headers, malformed } = unfold(rest);
  const all = (name: string) => headers.filter((h) => h.name === name).map((h) => h.value);
  const answer = (status: number, reason: string, extra: string[] = []): Verdict => {
    // An ACK is never answered (RFC 3261 17.2.1), and without a Via there is nowhere to send a
    // response (RFC 3261 18.2.2): both are dropped.
    if (/^ACK /.test(startLine)) return { pass: false, reason: `${reason} (ACK: dropped)` };
    if (!all('via').length) return { pass: false, reason: `${reason} (no Via: dropped)` };
    return { pass: false, reply: response(status, headers, extra), reason };
  };

  if (malformed) return answer(400, 'header line without a colon');
  const line = /^(\S+) (\S+) (SIP\/\S+)$/.exec(startLine);
  if (!line || !TOKEN.test(line[1])) return answer(400, `malformed Request-Line "${startLine.slice(0, 80)}"`);
  const [, method, ruri, version] = line;
  if (version !== 'SIP/2.0') return answer(505, `version ${version}`);

  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (!all(name).length) return answer(400, `no ${name} header`);
  }
  for (const name of SINGLE) {
    if (new Set(all(name).map((v) => v.replace(/\s+/g, ' '))).size > 1) return answer(400, `more than one ${name}`);
  }
  const cseq = /^(\d+)\s+(\S+)$/.exec(all('cseq')[0]);
  if (!cseq || Number(cseq[1]) > MAX_CSEQ) return answer(400, `bad CSeq "${all('cseq')[0]}"`);
  if (!KNOWN_METHODS.has(method)) return answer(501, `unknown method ${method}`, [`Allow: ${ALLOWED_METHODS.join(', ')}`]);
  if (cseq[2] !== method) return answer(400, `CSeq method ${cseq[2]} is not ${method}`);

  const length = all('content-length')[0];
  if (length !== undefined && !/^\d+$/.test(length)) return answer(400, `bad Content-Length "${length}"`);
  if (length !== undefined && new TextEncoder().encode(body).length < Number(length)) {
    return answer(400, 'body shorter than Content-Length');
  }
  // Empty parameters or list elements (";;", ",,", a trailing ";") are not generic-params.
  for (const name of ['via', 'contact']) {
    if (all(name).some((v) => /[;,]\s*[;,]|[;,]\s*$/.test(v.replace(/"[^"]*"/g, '""')))) return answer(400, `empty parameter in ${name}`);
  }
  if (/^</.test(ruri)) return answer(400, 'Request-URI in <>');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(ruri)?.[1].toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') return answer(416, `Request-URI scheme ${scheme ?? '(none)'}`);

  const parsed = parse(text);
  if (!parsed || !('ruri' in parsed) || !parsed.ruri) return answer(400, 'unparsable request');

  if (method !== 'ACK' && method !== 'CANCEL') {
    const required = all('require').flatMap((v) => v.split(',')).map((o) => o.trim()).filter(Boolean);
    if (required.length) return answer(420, `Require ${required.join(', ')}`, [`Unsupported: ${required.join(', ')}`]);
  }
  if (method === 'INVITE') {
    const type = all('content-type')[0]?.split(';')[0].trim().toLowerCase();
    if (body.length && type && !INVITE_BODY_TYPES.includes(type)) {
      return answer(415, `INVITE body of type ${type}`, [`Accept: ${INVITE_BODY_TYPES.join(', ')}`]);
    }
    const accept = all('accept').flatMap((v) => v.split(',')).map((a) => a.split(';')[0].trim().toLowerCase()).filter(Boolean);
    if (accept.length && !accept.some((a) => a === '*/*' || a === 'application/*' || INVITE_BODY_TYPES.includes(a))) {
      return answer(406, `Accept ${accept.join(', ')}`, [`Accept: ${INVITE_BODY_TYPES.join(', ')}`]);
    }
  }
  return { pass: true };
}

/** Joins folded lines (RFC 3261 7.3.1) and names each field in lower case, compact forms expanded. */
function unfold(lines: string[]): { headers: Header[]; malformed: boolean } {
  const joined: string[] = [];
  for (const l of lines) {
    if (/^[ \t]/.test(l) && joined.length) joined[joined.length - 1] += ` ${l.trim()}`;
    else joined.push(l);
  }
  const headers: Header[] = [];
  let malformed = false;
  for (const l of joined) {
    const colon = l.indexOf(':');
    if (colon <= 0) {
      malformed = true;
      continue;
    }
    const name = l.slice(0, colon).trim().toLowerCase();
    headers.push({ name: COMPACT[name] ?? name, value: l.slice(colon + 1).trim() });
  }
  return { headers, malformed };
}

/** A response to the request with these headers (RFC 3261 8.2.6): To gets a tag if it had none. */
function response(status: number, headers: Header[], extra: string[]): string {
  const pick = (name: string) => headers.filter((h) => h.name === name).map((h) => h.value);
  const lines = [`SIP/2.0 ${status} ${REASONS[status] ?? 'Error'}`];
  for (const via of pick('via')) lines.push(`Via: ${via}`);
  const [from] = pick('from');
  const [to] = pick('to');
  const [callId] = pick('call-id');
  const [cseq] = pick('cseq');
  if (from !== undefined) lines.push(`From: ${from}`);
  if (to !== undefined) lines.push(`To: ${/;\s*tag\s*=/i.test(to) ? to : `${to};tag=${randomTag()}`}`);
  if (callId !== undefined) lines.push(`Call-ID: ${callId}`);
  if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
  lines.push(...extra, 'Content-Length: 0', '', '');
  return lines.join('\r\n');
}

function randomTag(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 10);
}
