/**
 * A tiny SIP registrar + B2BUA-shaped call simulator that talks real SIP text over one or more
 * WebSocket-like links. It answers a sip.js UserAgent exactly as a small PBX would: digest
 * REGISTER, INVITE/ACK/CANCEL/BYE dialogs, re-INVITE, INFO, REFER + NOTIFY, OPTIONS, and it
 * places scripted calls of its own to the registered contact.
 */
import { IncomingRequestMessage, IncomingResponseMessage, LoggerFactory, Parser, type Logger } from 'sip.js/lib/core';
import { Md5 } from 'sip.js/lib/core/messages/md5.js';
import { createAnswer, createOffer, newMediaState, ourRoleFromAnswer, type MediaState } from './sdp.ts';

export interface PbxAccount {
  domain: string;
  username: string;
  password: string;
}

export interface PbxTimings {
  /** Delay from the first successful registration to the first scripted incoming call. */
  ringAfterMs: number;
  /** Delay from an outgoing INVITE to its 200 OK. */
  answerAfterMs: number;
  /** A scripted incoming call nobody answers is CANCELled after this long. */
  noAnswerAfterMs: number;
  /** An answered call is hung up by the far end after this long. */
  hangupAfterMs: number;
  /** Delay from the end of the first scripted call to the second one. */
  secondCallAfterMs: number;
}

export interface PbxCaller {
  displayName: string;
  user: string;
}

/** What the PBX needs from a connection: send text, and close it. */
export interface PbxLink {
  send(text: string): void;
  close(): void;
}

export interface PbxConnection {
  receive(text: string): void;
  closed(): void;
}

type Timer = ReturnType<typeof setTimeout>;

interface Call {
  conn: Connection;
  callId: string;
  /** Who sent the initial INVITE. */
  origin: 'client' | 'pbx';
  state: 'ringing' | 'answering' | 'confirmed' | 'ended';
  localTag: string;
  /** Our From/To header value including our tag. */
  local: string;
  /** The client's header value including its tag (for calls we place, set by the 2xx). */
  remote: string;
  /** Request-URI for in-dialog requests we send. */
  remoteTarget: string;
  contact: string;
  localCseq: number;
  media: MediaState;
  timers: Set<Timer>;
  /** The client's initial INVITE (calls the client placed). */
  invite?: IncomingRequestMessage;
  /** Our INVITE's branch (calls we placed); CANCEL and a non-2xx ACK reuse it. */
  branch?: string;
  cancelled?: boolean;
  ack?: string;
  scripted?: PbxCaller;
  afterNotify?: () => void;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY';
const AGENT = 'Patchbay demo PBX';
const MAX_EXPIRES = 3600;
const encoder = new TextEncoder();

function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

const newTag = (): string => hex(6);
const newBranch = (): string => 'z9hG4bK' + hex(8);

/** Serializes a SIP message, computing Content-Length in bytes. */
function serialize(startLine: string, headers: string[], body = '', contentType?: string): string {
  const lines = [startLine, ...headers];
  if (body && contentType) lines.push(`Content-Type: ${contentType}`);
  lines.push(`Content-Length: ${encoder.encode(body).length}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** `Digest a="b", c=d` → { a: 'b', c: 'd' } (keys lower-cased). */
function parseDigest(value: string): Record<string, string> | undefined {
  const match = /^\s*Digest\s+(.*)$/i.exec(value);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(match[1]!))) params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return params;
}

const md5 = (s: string): string => Md5.hashStr(s);

function stripExpires(params: Record<string, string | null>): string {
  return Object.entries(params)
    .filter(([k]) => k.toLowerCase() !== 'expires')
    .map(([k, v]) => (v === null || v === undefined ? `;${k}` : `;${k}=${v}`))
    .join('');
}

const statusText: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  501: 'Not Implemented',
};

class Connection implements PbxConnection {
  readonly calls = new Map<string, Call>();
  open = true;

  constructor(
    readonly pbx: DemoPbx,
    readonly link: PbxLink,
  ) {}

  send(text: string): void {
    if (!this.open) return;
    try {
      this.link.send(text);
    } catch {
      // The socket went away under us; the close notification will follow.
    }
  }

  receive(text: string): void {
    if (!this.open) return;
    try {
      this.handle(text);
    } catch {
      // Never let a malformed or unexpected message break the connection.
    }
  }

  closed(): void {
    if (!this.open) return;
    this.open = false;
    for (const call of this.calls.values()) this.pbx.endCall(call, false);
    this.calls.clear();
    this.pbx.dropConnection(this);
  }

  private handle(text: string): void {
    if (/^(\r\n)+$/.test(text)) {
      this.send('\r\n'); // keep-alive ping → pong
      return;
    }
    const message = Parser.parseMessage(text, this.pbx.logger);
    if (!message) return;
    for (const h of ['via', 'from', 'to', 'call-id', 'cseq']) if (!message.hasHeader(h)) return;
    if (message instanceof IncomingRequestMessage) this.pbx.onRequest(this, message);
    else if (message instanceof IncomingResponseMessage) this.pbx.onResponse(this, message);
  }
}

export class DemoPbx {
  readonly logger: Logger;
  private readonly connections = new Set<Connection>();
  private readonly nonces = new Set<string>();
  private readonly timers = new Set<Timer>();
  private binding?: { conn: Connection; uri: string };
  /** Scripted callers still to come, in order. */
  private readonly script: PbxCaller[];
  private nextCallTimer?: Timer;
  private nextCallDelay: number;
  private disposed = false;

  constructor(
    private readonly account: PbxAccount,
    private readonly timings: PbxTimings,
    callers: PbxCaller[],
  ) {
    const factory = new LoggerFactory();
    factory.builtinEnabled = false;
    this.logger = factory.getLogger('demo-pbx');
    this.script = [...callers];
    this.nextCallDelay = timings.ringAfterMs;
  }

  connect(link: PbxLink): PbxConnection {
    const conn = new Connection(this, link);
    if (this.disposed) conn.open = false;
    else this.connections.add(conn);
    return conn;
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.nextCallTimer) clearTimeout(this.nextCallTimer);
    for (const conn of [...this.connections]) {
      conn.closed();
      try {
        conn.link.close();
      } catch {
        // already closed
      }
    }
  }

  dropConnection(conn: Connection): void {
    this.connections.delete(conn);
    if (this.binding?.conn === conn) this.unbind();
  }

  // ── Timers ────────────────────────────────────────────────────────────────────────────

  private later(ms: number, fn: () => void, call?: Call): Timer {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      call?.timers.delete(timer);
      try {
        fn();
      } catch {
        // a timer must never take the PBX down
      }
    }, ms);
    this.timers.add(timer);
    call?.timers.add(timer);
    return timer;
  }

  // ── Message building ─────────────────────────────────────────────────────────────────

  private respond(
    conn: Connection,
    req: IncomingRequestMessage,
    code: number,
    options: { toTag?: string; headers?: string[]; body?: string; contentType?: string; reason?: string } = {},
  ): void {
    const headers = req.getHeaders('via').map((v) => `Via: ${v}`);
    let to = req.getHeader('to') ?? '';
    if (options.toTag && !req.toTag && code > 100) to += `;tag=${options.toTag}`;
    headers.push(
      `From: ${req.getHeader('from')}`,
      `To: ${to}`,
      `Call-ID: ${req.callId}`,
      `CSeq: ${req.cseq} ${req.method}`,
      ...(options.headers ?? []),
      `Server: ${AGENT}`,
    );
    const reason = options.reason ?? statusText[code] ?? 'Unknown';
    conn.send(serialize(`SIP/2.0 ${code} ${reason}`, headers, options.body, options.contentType));
  }

  /** Sends an in-dialog request (or our initial INVITE) on `call`. */
  private request(
    call: Call,
    method: string,
    options: { headers?: string[]; body?: string; contentType?: string; branch?: string; cseq?: number; to?: string } = {},
  ): string {
    const cseq = options.cseq ?? ++call.localCseq;
    const text = serialize(
      `${method} ${call.remoteTarget} SIP/2.0`,
      [
        `Via: SIP/2.0/WSS ${this.account.domain};branch=${options.branch ?? newBranch()}`,
        'Max-Forwards: 70',
        `From: ${call.local}`,
        `To: ${options.to ?? call.remote}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${cseq} ${method}`,
        ...(method === 'ACK' || method === 'CANCEL' ? [] : [`Contact: ${call.contact}`]),
        ...(options.headers ?? []),
        `User-Agent: ${AGENT}`,
      ],
      options.body,
      options.contentType,
    );
    call.conn.send(text);
    return text;
  }

  // ── Dispatch ──────────────────────────────────────────────────────────────────────────

  onRequest(conn: Connection, req: IncomingRequestMessage): void {
    switch (req.method) {
      case 'REGISTER':
        return this.onRegister(conn, req);
      case 'OPTIONS':
        return this.respond(conn, req, 200, {
          toTag: newTag(),
          headers: [`Allow: ${ALLOW}`, 'Accept: application/sdp', 'Supported: replaces'],
        });
      case 'INVITE':
        return req.toTag ? this.onReinvite(conn, req) : this.onInvite(conn, req);
      case 'ACK':
        return this.onAck(conn, req);
      case 'CANCEL':
        return this.onCancel(conn, req);
      case 'BYE':
        return this.onBye(conn, req);
      case 'INFO':
        return this.onInfo(conn, req);
      case 'REFER':
        return this.onRefer(conn, req);
      default:
        return this.respond(conn, req, 501, { toTag: newTag(), headers: [`Allow: ${ALLOW}`] });
    }
  }

  onResponse(conn: Connection, res: IncomingResponseMessage): void {
    const call = conn.calls.get(res.callId);
    if (!call || !res.statusCode) return;
    if (res.method === 'INVITE' && call.origin === 'pbx' && res.cseq === 1) this.onInviteResponse(call, res);
    else if (res.method === 'NOTIFY' && res.statusCode >= 200) call.afterNotify?.();
    // Responses to our BYE/CANCEL need no action: the call is already over.
  }

  // ── Registration ──────────────────────────────────────────────────────────────────────

  private onRegister(conn: Connection, req: IncomingRequestMessage): void {
    const tag = newTag();
    const authorization = req.getHeader('authorization');
    const digest = authorization ? parseDigest(authorization) : undefined;
    if (!digest || !digest['nonce'] || !this.nonces.has(digest['nonce'])) {
      const nonce = hex(16);
      this.nonces.add(nonce);
      if (this.nonces.size > 64) this.nonces.delete(this.nonces.values().next().value!);
      const stale = digest?.['nonce'] ? ', stale=true' : '';
      return this.respond(conn, req, 401, {
        toTag: tag,
        headers: [`WWW-Authenticate: Digest realm="${this.account.domain}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale}`],
      });
    }
    if (!this.verify(digest, 'REGISTER')) return this.respond(conn, req, 403, { toTag: tag });

    const contacts = req.getHeaders('contact');
    const headerExpires = Number(req.getHeader('expires') ?? NaN);
    const wildcard = contacts.length === 1 && contacts[0]!.trim() === '*';
    if (!contacts.length) {
      // A query: report the current binding.
      const headers = this.binding?.conn === conn ? [`Contact: <${this.binding.uri}>`] : [];
      return this.respond(conn, req, 200, { toTag: tag, headers });
    }
    if (wildcard) {
      if (this.binding?.conn === conn) this.unbind();
      return this.respond(conn, req, 200, { toTag: tag });
    }
    const out: string[] = [];
    let registered = false;
    for (let i = 0; i < contacts.length; i++) {
      const contact = req.parseHeader('contact', i) as
        | { uri: { toString(): string }; parameters: Record<string, string | null>; getParam(k: string): string | null | undefined }
        | undefined;
      if (!contact) continue;
      const asked = Number(contact.getParam('expires') ?? (Number.isFinite(headerExpires) ? headerExpires : 600));
      const expires = Math.max(0, Math.min(MAX_EXPIRES, Number.isFinite(asked) ? asked : 600));
      const uri = contact.uri.toString();
      if (expires === 0) {
        if (this.binding?.conn === conn && this.binding.uri === uri) this.unbind();
        continue;
      }
      this.binding = { conn, uri };
      registered = true;
      out.push(`Contact: <${uri}>${stripExpires(contact.parameters)};expires=${expires}`);
    }
    this.respond(conn, req, 200, { toTag: tag, headers: [...out, `Date: ${new Date().toUTCString()}`] });
    if (registered) this.onRegistered();
  }

  private verify(digest: Record<string, string>, method: string): boolean {
    const { domain, username, password } = this.account;
    if (digest['username'] !== username || digest['realm'] !== domain) return false;
    const ha1 = md5(`${username}:${domain}:${password}`);
    const ha2 = md5(`${method}:${digest['uri'] ?? ''}`);
    const nonce = digest['nonce'] ?? '';
    const expected = digest['qop']
      ? md5(`${ha1}:${nonce}:${digest['nc'] ?? ''}:${digest['cnonce'] ?? ''}:${digest['qop']}:${ha2}`)
      : md5(`${ha1}:${nonce}:${ha2}`);
    return (digest['response'] ?? '').toLowerCase() === expected;
  }

  private unbind(): void {
    this.binding = undefined;
    if (this.nextCallTimer) {
      clearTimeout(this.nextCallTimer);
      this.nextCallTimer = undefined;
    }
  }

  // ── Scripted incoming calls ────────────────────────────────────────────────────────────

  private onRegistered(): void {
    this.armNextCall();
  }

  /** Schedules the next scripted caller if there is one, nothing is scheduled, and we have a contact. */
  private armNextCall(): void {
    if (this.disposed || this.nextCallTimer || !this.script.length || !this.binding) return;
    this.nextCallTimer = setTimeout(() => {
      this.nextCallTimer = undefined;
      const caller = this.script[0];
      if (!caller || !this.binding || this.disposed) return;
      this.script.shift();
      try {
        this.placeCall(this.binding.conn, this.binding.uri, caller);
      } catch {
        // ignore
      }
    }, this.nextCallDelay);
  }

  private placeCall(conn: Connection, target: string, caller: PbxCaller): void {
    const { domain, username } = this.account;
    const localTag = newTag();
    const call: Call = {
      conn,
      callId: `${hex(12)}@${domain}`,
      origin: 'pbx',
      state: 'ringing',
      localTag,
      local: `"${caller.displayName}" <sip:${caller.user}@${domain}>;tag=${localTag}`,
      remote: `<sip:${username}@${domain}>`,
      remoteTarget: target,
      contact: `<sip:${caller.user}@${domain};transport=ws>`,
      localCseq: 1,
      media: newMediaState(),
      timers: new Set(),
      branch: newBranch(),
      scripted: caller,
    };
    conn.calls.set(call.callId, call);
    this.request(call, 'INVITE', {
      cseq: 1,
      branch: call.branch,
      headers: [`Allow: ${ALLOW}`, 'Supported: replaces'],
      body: createOffer(call.media),
      contentType: 'application/sdp',
    });
    this.later(this.timings.noAnswerAfterMs, () => this.cancel(call), call);
  }

  private cancel(call: Call): void {
    if (call.state !== 'ringing' || call.cancelled) return;
    call.cancelled = true;
    // CANCEL mirrors the INVITE's Request-URI, branch, From, To (no tag) and CSeq number.
    this.request(call, 'CANCEL', { cseq: 1, branch: call.branch });
    // If the client never answers the CANCEL, give up on the call anyway.
    this.later(5000, () => this.endCall(call), call);
  }

  private onInviteResponse(call: Call, res: IncomingResponseMessage): void {
    const code = res.statusCode ?? 0;
    if (code < 200) return;
    const to = res.getHeader('to') ?? call.remote;
    if (code >= 300) {
      // Non-2xx ACK is hop-by-hop: same branch and Request-URI as the INVITE, To from the response.
      this.request(call, 'ACK', { cseq: 1, branch: call.branch, to });
      this.endCall(call);
      return;
    }
    if (call.state === 'confirmed' || call.state === 'ended') {
      if (call.ack && call.state === 'confirmed') call.conn.send(call.ack); // 2xx retransmission
      return;
    }
    call.remote = to;
    const contact = res.parseHeader('contact') as { uri?: { toString(): string } } | undefined;
    if (contact?.uri) call.remoteTarget = contact.uri.toString();
    call.media.role = ourRoleFromAnswer(res.body) ?? 'passive';
    call.ack = this.request(call, 'ACK', { cseq: 1 });
    call.state = 'confirmed';
    this.clearCallTimers(call);
    if (call.cancelled) this.hangup(call); // the 200 crossed our CANCEL
    else this.later(this.timings.hangupAfterMs, () => this.hangup(call), call);
  }

  // ── Calls from the client ───────────────────────────────────────────────────────────────

  private onInvite(conn: Connection, req: IncomingRequestMessage): void {
    if (conn.calls.has(req.callId)) return; // retransmission
    const localTag = newTag();
    const contactHeader = req.parseHeader('contact') as { uri?: { toString(): string } } | undefined;
    const number = (req.ruri?.user ?? req.to?.uri?.user ?? '').replace(/[\s().-]/g, '');
    const call: Call = {
      conn,
      callId: req.callId,
      origin: 'client',
      state: 'ringing',
      localTag,
      local: `${req.getHeader('to')};tag=${localTag}`,
      remote: req.getHeader('from') ?? '',
      remoteTarget: contactHeader?.uri?.toString() ?? req.from?.uri?.toString() ?? '',
      contact: `<sip:${number || 'pbx'}@${this.account.domain};transport=ws>`,
      localCseq: Math.floor(Math.random() * 1000) + 1,
      media: newMediaState(),
      timers: new Set(),
      invite: req,
    };
    conn.calls.set(call.callId, call);
    this.respond(conn, req, 100);
    if (number === '404' || number === '486') {
      this.respond(conn, req, Number(number), { toTag: localTag });
      this.endCall(call);
      return;
    }
    this.respond(conn, req, 180, { toTag: localTag, headers: [`Contact: ${call.contact}`] });
    if (number.endsWith('0')) return; // rings until the client gives up
    this.later(this.timings.answerAfterMs, () => this.answer(call), call);
  }

  private answer(call: Call): void {
    const req = call.invite;
    if (!req || call.state !== 'ringing') return;
    const offer = req.body?.trim() ? req.body : undefined;
    const sdp = offer ? createAnswer(offer, call.media) : createOffer(call.media);
    if (!sdp) {
      this.respond(call.conn, req, 488, { toTag: call.localTag });
      this.endCall(call);
      return;
    }
    call.state = 'answering';
    this.respond(call.conn, req, 200, {
      toTag: call.localTag,
      headers: [`Contact: ${call.contact}`, `Allow: ${ALLOW}`, 'Supported: replaces'],
      body: sdp,
      contentType: 'application/sdp',
    });
  }

  private onAck(conn: Connection, req: IncomingRequestMessage): void {
    const call = conn.calls.get(req.callId);
    if (!call || call.state !== 'answering' || req.cseq !== call.invite?.cseq) return;
    if (!call.media.role && req.body?.trim()) call.media.role = ourRoleFromAnswer(req.body);
    call.state = 'confirmed';
    this.clearCallTimers(call);
    this.later(this.timings.hangupAfterMs, () => this.hangup(call), call);
  }

  private onCancel(conn: Connection, req: IncomingRequestMessage): void {
    const call = conn.calls.get(req.callId);
    const invite = call?.invite;
    if (!call || !invite || invite.viaBranch !== req.viaBranch) {
      return this.respond(conn, req, 481, { toTag: newTag() });
    }
    this.respond(conn, req, 200, { toTag: call.localTag });
    if (call.state === 'ringing') {
      this.respond(conn, invite, 487, { toTag: call.localTag });
      this.endCall(call);
    }
  }

  // ── In-dialog requests from the client ──────────────────────────────────────────────────

  /** The dialog `req` belongs to, or undefined after answering 481. */
  private dialog(conn: Connection, req: IncomingRequestMessage): Call | undefined {
    const call = conn.calls.get(req.callId);
    if (call && (call.state === 'confirmed' || call.state === 'answering') && req.toTag === call.localTag) return call;
    if (call?.state === 'ended' && req.method === 'BYE') {
      this.respond(conn, req, 200); // both sides hung up at once
      return undefined;
    }
    this.respond(conn, req, 481, { toTag: newTag() });
    return undefined;
  }

  private onReinvite(conn: Connection, req: IncomingRequestMessage): void {
    const call = this.dialog(conn, req);
    if (!call) return;
    if (call.state !== 'confirmed') return this.respond(conn, req, 491);
    const offer = req.body?.trim() ? req.body : undefined;
    const sdp = offer ? createAnswer(offer, call.media) : createOffer(call.media);
    if (!sdp) return this.respond(conn, req, 488);
    this.respond(conn, req, 200, {
      headers: [`Contact: ${call.contact}`, `Allow: ${ALLOW}`, 'Supported: replaces'],
      body: sdp,
      contentType: 'application/sdp',
    });
  }

  private onBye(conn: Connection, req: IncomingRequestMessage): void {
    const call = conn.calls.get(req.callId);
    // A BYE on a dialog the client still sees as early (client-placed calls) also ends it.
    if (call && call.origin === 'client' && call.state === 'ringing' && call.invite) {
      this.respond(conn, req, 200);
      this.respond(conn, call.invite, 487, { toTag: call.localTag });
      this.endCall(call);
      return;
    }
    if (!this.dialog(conn, req) || !call) return;
    this.respond(conn, req, 200);
    this.endCall(call);
  }

  private onInfo(conn: Connection, req: IncomingRequestMessage): void {
    if (this.dialog(conn, req)) this.respond(conn, req, 200);
  }

  private onRefer(conn: Connection, req: IncomingRequestMessage): void {
    const call = this.dialog(conn, req);
    if (!call) return;
    if (!req.hasHeader('refer-to')) return this.respond(conn, req, 400, { reason: 'Missing Refer-To' });
    this.respond(conn, req, 202, { headers: [`Contact: ${call.contact}`] });
    // As a PBX would after a blind transfer: report success, then drop the transferor.
    let done = false;
    const leave = (): void => {
      if (done) return;
      done = true;
      call.afterNotify = undefined;
      this.hangup(call);
    };
    call.afterNotify = leave;
    this.request(call, 'NOTIFY', {
      headers: ['Event: refer', 'Subscription-State: terminated;reason=noresource'],
      body: 'SIP/2.0 200 OK\r\n',
      contentType: 'message/sipfrag;version=2.0',
    });
    this.later(1000, leave, call);
  }

  // ── Ending calls ─────────────────────────────────────────────────────────────────────────

  /** The far end hangs up: BYE on a confirmed call. */
  private hangup(call: Call): void {
    if (call.state !== 'confirmed' && call.state !== 'answering') return;
    this.request(call, 'BYE');
    this.endCall(call);
  }

  private clearCallTimers(call: Call): void {
    for (const t of call.timers) {
      clearTimeout(t);
      this.timers.delete(t);
    }
    call.timers.clear();
  }

  endCall(call: Call, linger = true): void {
    if (call.state === 'ended') return;
    call.state = 'ended';
    call.afterNotify = undefined;
    this.clearCallTimers(call);
    // Keep the record a little while to absorb ACKs and late BYEs.
    if (linger) this.later(32_000, () => call.conn.calls.get(call.callId) === call && call.conn.calls.delete(call.callId));
    if (call.scripted && !this.disposed) {
      this.nextCallDelay = this.timings.secondCallAfterMs;
      this.armNextCall();
    }
  }
}
