/**
 * The one SIP session: a sip.js UserAgent + Registerer driven by the registration state machine
 * (registration.ts), and every call (Inviter / Invitation). This is the only module that imports sip.js.
 */
import {
  Core,
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  RequestPendingError,
  SessionState,
  UserAgent,
  type Referral,
  type Session,
  type SessionDescriptionHandler,
} from 'sip.js';
import type { HubStatus, Party, SignInOptions } from '../../shared/api.ts';
import type { CallBook } from '../calls/call-book.ts';
import { newCallRecord } from '../calls/call-state.ts';
import { outcomeOf, type EndIntent } from '../calls/outcome.ts';
import { hubError } from '../../shared/errors.ts';
import { logger } from '../log.ts';
import type { MediaBridge } from './media-bridge.ts';
import { ConnectionGrace, LOST_REASON } from './connection-grace.ts';
import { KeepAlive } from './keep-alive.ts';
import { screenMessage } from './message-guard.ts';
import { withPreconnected } from './preconnect.ts';
import { RegistrationDriver } from './registration-driver.ts';
import { statusOf } from './registration.ts';
import { phoneNumbersReady, toNumber } from '../../shared/phone-number.ts';

const log = logger('sip');

interface Call {
  id: string;
  session: Session;
  intent?: EndIntent;
  rejectCode?: number;
  rejectReason?: string;
  lostReason?: string;
}

export type StatusSink = (patch: Partial<HubStatus>) => void;

/** A challenge as a PBX sends it, to run sip.js's message parser once (warmUpSip). */
const SAMPLE_401 = [
  'SIP/2.0 401 Unauthorized',
  'Via: SIP/2.0/WSS warm-up.invalid;branch=z9hG4bK0;rport=1;received=192.0.2.1',
  'From: <sip:1001@pbx.invalid>;tag=a',
  'To: <sip:1001@pbx.invalid>;tag=b',
  'Call-ID: warm-up',
  'CSeq: 1 REGISTER',
  'WWW-Authenticate: Digest realm="pbx.invalid", nonce="0", qop="auth", algorithm=MD5',
  'Server: warm-up',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

/**
 * Steps that run sip.js once through what a sign-in needs (its SIP grammar's tables are decoded on
 * first use, and its code compiled): 20 to 50 ms on 2 cores, which a cold start would otherwise spend
 * between reading the remembered sign-in and sending REGISTER. The hub runs them one task each while
 * it waits for IndexedDB, so that IndexedDB's answers are never held up for long.
 */
export const warmUpSip: (() => void)[] = [
  () => UserAgent.makeURI('sip:warm-up@pbx.invalid'),
  () => {
    const uri = UserAgent.makeURI('sip:warm-up@pbx.invalid')!;
    const ua = new UserAgent({ uri, transportOptions: { server: 'wss://pbx.invalid' }, logBuiltinEnabled: false, logLevel: 'error' });
    new Registerer(ua);
  },
  () => Core.Parser.parseMessage(SAMPLE_401, new Core.LoggerFactory().getLogger('sip.warm-up')),
];

const quietLogger = Object.assign(new Core.LoggerFactory(), { builtinEnabled: false }).getLogger('sip.guard');

export class SipPhone {
  private ua: UserAgent | undefined;
  private registerer: Registerer | undefined;
  private options: SignInOptions | undefined;
  private readonly calls = new Map<string, Call>();
  private readonly ids = new WeakMap<Session, string>();
  private readonly registration: RegistrationDriver;
  private readonly keepAlive = new KeepAlive(() => this.ping(), (reason) => this.silentlyLost(reason));
  private readonly grace = new ConnectionGrace({
    calls: () => [...this.calls.values()].map((c) => ({ id: c.id, connected: c.session.state === SessionState.Established })),
    lost: (id) => this.book.transition(id, { type: 'connection-lost', detail: LOST_REASON }).then(() => undefined),
    back: (id) => this.book.transition(id, { type: 'reconnected' }).then(() => undefined),
    resume: (id) => this.reinvite(id, this.book.getLive(id)?.state === 'held'),
    end: (id, reason) => this.endLost(id, reason),
  });
  /** Counts connect attempts, so the answer to one that was overtaken is ignored. */
  private tries = 0;
  /** For numbers that arrive without a country code. */
  defaultCountry: string | undefined;
  /** This hub's stable `+sip.instance` (sip-instance.ts), so that registering again replaces the binding. */
  instanceId: () => Promise<string | undefined> = () => Promise.resolve(undefined);

  constructor(
    private readonly book: CallBook,
    private readonly bridge: MediaBridge,
    status: StatusSink,
  ) {
    this.registration = new RegistrationDriver((r) => status(statusOf(r)), () => this.retry());
    bridge.onHandover = (from, to) => void this.handover(from, to);
    self.addEventListener('online', () => {
      if (!this.registration.can('network-up')) return;
      this.registration.apply({ type: 'network-up' });
      this.retry();
    });
    self.addEventListener('offline', () => {
      if (this.registration.can('network-down')) this.registration.apply({ type: 'network-down' });
    });
  }

  /** Signed in, whether or not registered right now: calls are kept and the phone keeps trying. */
  private get active(): boolean {
    const { state } = this.registration.current;
    return state !== 'signed-out' && state !== 'failed';
  }

  /** Connects and registers; resolves once registered, rejects with `SignInFailed` and the reason. */
  async signIn(options: SignInOptions): Promise<void> {
    const uri = UserAgent.makeURI(options.aor.startsWith('sip:') ? options.aor : `sip:${options.aor}`);
    if (!uri || !uri.user) throw hubError('InvalidArgument', `"${options.aor}" is not a SIP address like sip:1001@pbx.example.com`);
    if (!/^wss?:\/\/[^\s]+$/i.test(options.server)) {
      throw hubError('InvalidArgument', `"${options.server}" is not a ws:// or wss:// URL`);
    }
    await this.signOut();
    this.options = options;
    const instanceId = await this.instanceId().catch((error: unknown) => {
      log.warn('no stored SIP instance id: this registration adds a binding', error);
      return undefined;
    });
    const ua = new UserAgent({
      uri,
      instanceId,
      displayName: options.displayName || undefined,
      authorizationUsername: options.username || uri.user,
      authorizationPassword: options.password,
      transportOptions: { server: options.server, connectionTimeout: 5, keepAliveInterval: 25 },
      reconnectionAttempts: 0,
      noAnswerTimeout: 60,
      userAgentString: 'Patchbay/0.1 (sip.js)',
      logBuiltinEnabled: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        if (level === 'error' || level === 'warn') log.warn(category, content);
      },
      sessionDescriptionHandlerFactory: (session) =>
        this.bridge.handler(this.idOf(session)) as unknown as SessionDescriptionHandler,
      delegate: {
        onInvite: (invitation) => void this.onInvite(invitation),
        onDisconnect: (error) => {
          if (!error || ua !== this.ua) return;
          this.lost(`Connection lost: ${error.message}`);
          this.grace.connectionLost();
        },
      },
    });
    // What RFC 3261 requires and sip.js does not do (a 400 for what it cannot parse...): message-guard.ts.
    const read = ua.transport.onMessage;
    ua.transport.onMessage = (text) => {
      const verdict = screenMessage(text, (t) => Core.Parser.parseMessage(t, quietLogger));
      if (verdict.reason) log.warn('incoming SIP message refused:', verdict.reason);
      if (verdict.reply) void ua.transport.send(verdict.reply).catch(() => undefined);
      if (verdict.pass) read?.(text);
    };
    this.ua = ua;
    this.withInstance = instanceId !== undefined;
    this.registerer = this.newRegisterer(ua);
    this.registration.apply({
      type: 'sign-in',
      account: { aor: uri.toString(), server: options.server, displayName: options.displayName },
    });
    await this.attempt(true);
  }

  /** The UserAgent carries a `+sip.instance`, so REGISTERs carry `reg-id`. */
  private withInstance = false;

  private newRegisterer(ua: UserAgent): Registerer {
    // reg-id with the instance id (RFC 5626): the registrar keys this binding by them, not by the contact URI.
    const registerer = new Registerer(ua, { expires: 300, refreshFrequency: 90, ...(this.withInstance ? { regId: 1 } : {}) });
    // A refresh the PBX refuses, or one that never gets an answer, ends the registration quietly.
    registerer.stateChange.addListener((state) => {
      if (state === RegistererState.Unregistered && registerer === this.registerer && this.registration.current.state === 'registered') {
        this.lost('Registration expired');
      }
    });
    return registerer;
  }

  /** A retry the machine has already moved to `connecting`: its failures end in `lost`, never thrown. */
  private retry(): void {
    void this.attempt(false).catch(() => undefined);
  }

  /**
   * Connects (or reconnects) and registers. The first try, at sign-in, rejects with `SignInFailed`
   * and the reason, while the retries carry on behind it.
   */
  private async attempt(first: boolean): Promise<void> {
    const ua = this.ua;
    const registerer = this.registerer;
    if (!ua || !registerer) return;
    const attempt = ++this.tries;
    // Only the latest try, while the machine still waits for it, may move the machine.
    const current = () => attempt === this.tries && ua === this.ua && this.registration.current.state === 'connecting';
    try {
      // The first connect adopts the WebSocket opened while the remembered sign-in was read (preconnect.ts).
      if (first) await withPreconnected(this.options?.server ?? '', () => ua.start());
      else await ua.reconnect();
    } catch (error) {
      if (!current()) return;
      const reason = `Server unreachable (${this.options?.server})`;
      log.warn(reason, error);
      this.lost(reason);
      if (first) throw hubError('SignInFailed', reason);
      return;
    }
    if (!current()) return;
    await new Promise<void>((resolve, reject) => {
      const failed = (reason: string, error = reason) => {
        if (current()) this.lost(reason);
        if (first) reject(hubError('SignInFailed', error));
        else resolve();
      };
      const register = (r: Registerer, again: boolean): void => void r
        .register({
          requestDelegate: {
            onAccept: () => {
              if (current()) {
                this.registration.apply({ type: 'registered' });
                this.keepAlive.start();
                void this.grace.connectionBack();
              }
              resolve();
            },
            onReject: (response) => {
              const { statusCode, reasonPhrase } = response.message;
              const reason = `${statusCode} ${reasonPhrase}`;
              if (statusCode === 401 || statusCode === 403 || statusCode === 407) {
                // Wrong credentials: say so once and stop; retrying would only hammer the PBX.
                const message = `${reason}: check the username and password`;
                if (current()) void this.fail(message);
                reject(hubError('SignInFailed', message));
              } else {
                failed(`Registration refused: ${reason}`);
              }
            },
          },
        })
        .catch((error: Error) => {
          // A REGISTER that was in flight when the connection dropped keeps its Registerer busy until
          // the transaction times out (32 s), refusing every new one: go on with a fresh Registerer.
          if (!again && error instanceof RequestPendingError && current()) {
            void r.dispose().catch(() => undefined);
            this.registerer = this.newRegisterer(ua);
            register(this.registerer, true);
            return;
          }
          failed(`Registration failed: ${error.message}`, error.message);
        });
      register(registerer, false);
    });
  }

  /** The connection or registration was lost: retry with backoff, or wait for the network. */
  private lost(reason: string): void {
    this.keepAlive.stop();
    // A second report of the same loss (the transport and the request both fail) is not news.
    if (this.registration.can('lost')) this.registration.lost(reason, navigator.onLine);
  }

  /** The keep-alive's OPTIONS: any real answer means the path to the PBX works. */
  private ping(): Promise<void> {
    const core = this.ua?.userAgentCore;
    const uri = this.ua?.configuration.uri;
    const target = uri && UserAgent.makeURI(`sip:${uri.host}`);
    if (!core || !uri || !target) return Promise.reject(new Error('Not signed in'));
    return new Promise((resolve, reject) => {
      // sip.js makes up a 408 or 503 (no Call-ID) when its transaction times out or cannot send.
      const answered = (response: { message: Core.IncomingResponseMessage }) =>
        response.message.callId ? resolve() : reject(new Error(`${response.message.statusCode} ${response.message.reasonPhrase}`));
      core.request(core.makeOutgoingRequestMessage('OPTIONS', target, uri, target, {}), {
        onAccept: answered, onReject: answered, onRedirect: answered, onProgress: answered, onTrying: answered,
      });
    });
  }

  /** The WebSocket may never report its own end (no FIN, no RST): leave it and connect anew. */
  private silentlyLost(reason: string): void {
    log.warn(reason);
    void this.ua?.transport.disconnect().catch(() => undefined);
    this.lost(reason);
    this.grace.connectionLost();
  }

  private async fail(reason: string): Promise<void> {
    this.registration.apply({ type: 'rejected', reason });
    await this.teardown();
  }

  async signOut(): Promise<void> {
    if (!this.registration.can('sign-out')) return;
    const wasRegistered = this.registration.current.state === 'registered';
    // Signed out at once, so nothing that happens while the PBX is told can start a retry.
    this.registration.apply({ type: 'sign-out' });
    for (const call of this.calls.values()) void this.hangUp(call.id).catch(() => undefined);
    if (wasRegistered && this.registerer?.state === RegistererState.Registered) {
      await Promise.race([this.registerer.unregister().catch(() => undefined), sleep(1000)]);
    }
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    this.keepAlive.stop();
    this.grace.stop();
    const ua = this.ua;
    this.ua = undefined;
    this.registerer = undefined;
    await ua?.stop().catch(() => undefined);
  }

  // ── Calls ──────────────────────────────────────────────────────────────────────────────

  private idOf(session: Session): string {
    const id = this.ids.get(session);
    if (!id) throw hubError('CallNotFound', 'A SIP session has no call record');
    return id;
  }

  private call(id: string): Call {
    const call = this.calls.get(id);
    if (!call) throw hubError('CallNotFound', `No live call with id ${id}`);
    return call;
  }

  private party(identity: { uri: { user?: string; toString(): string }; displayName: string }): Party {
    const user = identity.uri.user ?? '';
    const displayName = identity.displayName?.slice(0, 200) || undefined;
    return { number: toNumber(user, this.defaultCountry), displayName, uri: identity.uri.toString() };
  }

  private local() {
    return { uri: this.ua?.configuration.uri.toString() ?? '', displayName: this.options?.displayName };
  }

  private get secure(): boolean {
    return !!this.options?.server.toLowerCase().startsWith('wss:');
  }

  private async onInvite(invitation: Invitation): Promise<void> {
    const id = crypto.randomUUID();
    this.ids.set(invitation, id);
    const call: Call = { id, session: invitation };
    this.calls.set(id, call);
    this.watch(call);
    invitation.delegate = this.sessionDelegate(call);
    // REGISTER does not wait for the phone-number metadata (it loads beside the hub): a call's
    // numbers do (at once but in the first moments of a cold start).
    await phoneNumbersReady;
    await this.book.create(
      newCallRecord({
        id, sipCallId: invitation.request.callId, direction: 'inbound',
        remote: this.party(invitation.remoteIdentity), local: this.local(),
        secure: this.secure, at: Date.now(),
      }),
    );
    this.updateRinging();
  }

  /** Places a call. `target` is a number, an extension or a SIP URI. */
  async dial(target: string): Promise<string> {
    const ua = this.ua;
    if (!ua || !this.active) throw hubError('NotSignedIn', 'Sign in before calling');
    const uri = this.targetUri(target);
    await this.holdOthers();
    return this.startOutbound(new Inviter(ua, uri));
  }

  private targetUri(target: string) {
    const t = target.trim();
    if (!t || t.length > 256) throw hubError('InvalidArgument', 'Enter a number or a SIP address to call');
    const domain = this.ua?.configuration.uri.host;
    const text = /^sips?:/i.test(t) ? t : t.includes('@') ? `sip:${t}` : `sip:${t.replace(/[\s().-]/g, '')}@${domain}`;
    const uri = UserAgent.makeURI(text);
    if (!uri) throw hubError('InvalidArgument', `"${target}" is not a number or SIP address`);
    return uri;
  }

  private async startOutbound(inviter: Inviter): Promise<string> {
    const id = crypto.randomUUID();
    this.ids.set(inviter, id);
    const call: Call = { id, session: inviter };
    this.calls.set(id, call);
    this.watch(call);
    inviter.delegate = this.sessionDelegate(call);
    await phoneNumbersReady;
    await this.book.create(
      newCallRecord({
        id, sipCallId: inviter.request.callId, direction: 'outbound',
        remote: this.party({ uri: inviter.remoteIdentity.uri, displayName: '' }), local: this.local(),
        secure: this.secure, at: Date.now(),
      }),
    );
    inviter
      .invite({
        requestDelegate: {
          onReject: (response) => {
            call.rejectCode = response.message.statusCode;
            call.rejectReason = `${response.message.statusCode} ${response.message.reasonPhrase}`;
          },
        },
      })
      .catch((error: Error) => {
        call.rejectReason = error.message;
        log.warn('invite failed', error);
      });
    return id;
  }

  private sessionDelegate(call: Call) {
    return {
      onRefer: (referral: Referral) => void this.onRefer(call, referral),
    };
  }

  /** Follows one session's lifecycle into the call record. */
  private watch(call: Call): void {
    call.session.stateChange.addListener((state) => {
      const record = this.book.getLive(call.id);
      if (!record) return;
      if (state === SessionState.Established && (record.state === 'ringing' || record.state === 'dialing')) {
        void this.book.transition(call.id, { type: 'answered' }).catch((e) => log.warn(e));
        this.updateRinging();
      }
      if (state === SessionState.Terminated) {
        this.calls.delete(call.id);
        this.grace.forget(call.id);
        this.updateRinging();
        // sip.js terminates the session before it hands the final response to our request
        // delegate: read the outcome once that has run.
        queueMicrotask(() => {
          const { outcome, reason } = outcomeOf({ ...call, direction: record.direction, state: record.state });
          void this.book.transition(call.id, { type: 'ended', outcome, reason }).catch((e) => log.warn(e));
        });
      }
    });
  }

  private updateRinging(): void {
    const ringing = [...this.calls.values()].some(
      (c) => c.session instanceof Invitation && c.session.state === SessionState.Initial,
    );
    this.bridge.ring(ringing);
  }

  /** Puts every other established, unheld call on hold (call waiting). */
  private async holdOthers(except?: string): Promise<void> {
    for (const other of this.book.liveCalls()) {
      if (other.id !== except && other.state === 'active') await this.hold(other.id).catch((e) => log.warn(e));
    }
  }

  async answer(id: string): Promise<void> {
    const call = this.call(id);
    if (!(call.session instanceof Invitation) || call.session.state !== SessionState.Initial) {
      throw hubError('InvalidState', 'This call is not ringing');
    }
    await this.holdOthers(id);
    this.bridge.ring(false);
    await call.session.accept();
  }

  async decline(id: string): Promise<void> {
    await this.reject(id, 'decline', 603, 'Decline');
  }

  /** 486 Busy Here, which PBXs route to voicemail. */
  async sendToVoicemail(id: string): Promise<void> {
    await this.reject(id, 'voicemail', 486, 'Busy Here');
  }

  private async reject(id: string, intent: EndIntent, statusCode: number, reasonPhrase: string): Promise<void> {
    const call = this.call(id);
    if (!(call.session instanceof Invitation) || call.session.state !== SessionState.Initial) {
      throw hubError('InvalidState', 'Only a ringing incoming call can be declined');
    }
    call.intent = intent;
    await call.session.reject({ statusCode, reasonPhrase });
  }

  async hangUp(id: string): Promise<void> {
    const call = this.call(id);
    const s = call.session;
    switch (s.state) {
      case SessionState.Initial:
      case SessionState.Establishing:
        if (s instanceof Inviter) {
          call.intent = 'cancel';
          await s.cancel();
        } else if (s instanceof Invitation) {
          call.intent = 'decline';
          await s.reject({ statusCode: 603, reasonPhrase: 'Decline' });
        }
        return;
      case SessionState.Established:
        call.intent ??= 'hangup';
        await s.bye();
        return;
      default:
        return;
    }
  }

  /** The connection to the PBX took the call with it: end it here, telling the other side if the PBX still can. */
  private endLost(id: string, reason: string): void {
    const call = this.calls.get(id);
    if (!call) return;
    call.intent = 'lost';
    call.lostReason = reason;
    const s = call.session;
    void (s.state === SessionState.Established ? s.bye() : s.dispose()).catch((e: unknown) => log.warn('ending a call whose connection was lost', e));
  }

  async hold(id: string): Promise<void> {
    await this.reinvite(id, true);
    await this.book.transition(id, { type: 'held' });
  }

  async resume(id: string): Promise<void> {
    await this.holdOthers(id);
    await this.reinvite(id, false);
    await this.book.transition(id, { type: 'resumed' });
  }

  private reinvite(id: string, hold: boolean): Promise<void> {
    const call = this.call(id);
    if (call.session.state !== SessionState.Established) {
      return Promise.reject(hubError('InvalidState', 'The call is not connected'));
    }
    return new Promise((resolve, reject) => {
      call.session
        .invite({
          sessionDescriptionHandlerOptions: { hold } as object,
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (r) => reject(hubError('InvalidState', `The PBX refused: ${r.message.statusCode} ${r.message.reasonPhrase}`)),
          },
        })
        .catch((e: Error) => reject(hubError('InvalidState', e.message)));
    });
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    this.call(id);
    await this.bridge.setMuted(id, muted);
    const record = this.book.getLive(id);
    if (record && record.muted !== muted) await this.book.transition(id, { type: muted ? 'muted' : 'unmuted' });
  }

  /** RFC 4733 from the media tab; SIP INFO (application/dtmf-relay) when that is not possible. */
  async sendDtmf(id: string, tones: string): Promise<void> {
    const call = this.call(id);
    if (!/^[0-9A-D#*,]{1,32}$/i.test(tones)) throw hubError('InvalidArgument', `"${tones}" is not a DTMF sequence`);
    if (call.session.state !== SessionState.Established) throw hubError('InvalidState', 'The call is not connected');
    if (await this.bridge.sendDtmf(id, tones)) return;
    for (const tone of tones.replace(/,/g, '')) {
      await call.session.info({
        requestOptions: {
          body: {
            contentDisposition: 'render',
            contentType: 'application/dtmf-relay',
            content: `Signal=${tone}\r\nDuration=160`,
          },
        },
      });
    }
  }

  /** Blind transfer: REFER the other party to `target`, then leave the call. */
  async transfer(id: string, target: string): Promise<void> {
    const call = this.call(id);
    if (call.session.state !== SessionState.Established) throw hubError('InvalidState', 'The call is not connected');
    const uri = this.targetUri(target);
    await new Promise<void>((resolve, reject) => {
      call.session
        .refer(uri, {
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (r) => reject(hubError('InvalidState', `Transfer refused: ${r.message.statusCode} ${r.message.reasonPhrase}`)),
          },
        })
        .catch((e: Error) => reject(hubError('InvalidState', e.message)));
    });
    await this.book.transition(id, { type: 'transferred', detail: uri.toString() });
    call.intent = 'transfer';
    if (call.session.state === SessionState.Established) await call.session.bye().catch(() => undefined);
  }

  /** We are the transferee: accept the REFER and call the target; the transferor hangs up. */
  private async onRefer(call: Call, referral: Referral): Promise<void> {
    const ua = this.ua;
    if (!ua) return;
    await referral.accept().catch(() => undefined);
    await this.book
      .transition(call.id, { type: 'transferred', detail: referral.referTo.uri.toString() })
      .catch(() => undefined);
    call.intent = 'transfer';
    await this.startOutbound(referral.makeInviter());
  }

  /** Another tab took the media role: re-INVITE every connected call so audio resumes there. */
  private async handover(from: string | undefined, to: string): Promise<void> {
    for (const call of [...this.calls.values()]) {
      if (call.session.state !== SessionState.Established) continue;
      const record = this.book.getLive(call.id);
      if (!record) continue;
      try {
        await this.reinvite(call.id, record.state === 'held');
        await this.book.transition(call.id, {
          type: 'media-handover',
          detail: from ? `Audio moved to another tab after tab ${from.slice(0, 8)} closed` : `Audio moved to tab ${to.slice(0, 8)}`,
        });
      } catch (error) {
        log.warn('media handover failed', error);
      }
    }
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
