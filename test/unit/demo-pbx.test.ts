import { expect } from 'chai';
import {
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type Invitation,
  type Session,
  type SessionDescriptionHandler,
  type SessionDescriptionHandlerOptions,
} from 'sip.js';
import { DEMO_DOMAIN, DEMO_SERVER, installDemoPbx, type DemoPbxHandle } from '../../src/worker/demo/demo-pbx.ts';

const NativeWebSocket = globalThis.WebSocket;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor<T>(check: () => T | undefined | false, label: string, timeoutMs = 4000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await sleep(20);
  }
}

/** A SessionDescriptionHandler over a real RTCPeerConnection with one audio transceiver, no microphone. */
class PeerSdh implements SessionDescriptionHandler {
  readonly pc = new RTCPeerConnection();

  async getDescription(options?: SessionDescriptionHandlerOptions): Promise<{ body: string; contentType: string }> {
    const hold = Boolean((options as { hold?: boolean } | undefined)?.hold);
    if (!this.pc.getTransceivers().length && this.pc.signalingState === 'stable') {
      this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    }
    for (const t of this.pc.getTransceivers()) t.direction = hold ? 'sendonly' : 'sendrecv';
    const description =
      this.pc.signalingState === 'have-remote-offer' ? await this.pc.createAnswer() : await this.pc.createOffer();
    await this.pc.setLocalDescription(description);
    await Promise.race([
      new Promise<void>((resolve) => {
        if (this.pc.iceGatheringState === 'complete') resolve();
        this.pc.addEventListener('icegatheringstatechange', () => {
          if (this.pc.iceGatheringState === 'complete') resolve();
        });
      }),
      sleep(500),
    ]);
    return { body: this.pc.localDescription!.sdp, contentType: 'application/sdp' };
  }

  async setDescription(sdp: string): Promise<void> {
    const type = this.pc.signalingState === 'have-local-offer' ? 'answer' : 'offer';
    await this.pc.setRemoteDescription({ type, sdp });
  }

  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    this.pc.close();
  }
}

interface Phone {
  ua: UserAgent;
  registerer: Registerer;
  /** Every SIP message the PBX sent to this phone, in order. */
  received: string[];
  sdhs: PeerSdh[];
  invitations: Invitation[];
  register(): Promise<number>;
  stop(): Promise<void>;
}

async function startPhone(password = 'demo'): Promise<Phone> {
  const received: string[] = [];
  const sdhs: PeerSdh[] = [];
  const invitations: Invitation[] = [];
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:1001@${DEMO_DOMAIN}`),
    displayName: 'Test phone',
    authorizationUsername: '1001',
    authorizationPassword: password,
    transportOptions: { server: DEMO_SERVER, connectionTimeout: 3 },
    logBuiltinEnabled: false,
    sessionDescriptionHandlerFactory: () => {
      const sdh = new PeerSdh();
      sdhs.push(sdh);
      return sdh;
    },
    delegate: { onInvite: (invitation) => void invitations.push(invitation) },
  });
  const transport = ua.transport;
  const deliver = transport.onMessage;
  transport.onMessage = (message) => {
    received.push(message);
    deliver?.(message);
  };
  const registerer = new Registerer(ua, { expires: 300 });
  await ua.start();
  return {
    ua,
    registerer,
    received,
    sdhs,
    invitations,
    register: () =>
      new Promise<number>((resolve, reject) => {
        registerer
          .register({
            requestDelegate: {
              onAccept: (r) => resolve(r.message.statusCode ?? 0),
              onReject: (r) => resolve(r.message.statusCode ?? 0),
            },
          })
          .catch(reject);
      }),
    async stop() {
      await ua.stop().catch(() => undefined);
      for (const s of sdhs) s.close();
    },
  };
}

const startLines = (phone: Phone): string[] => phone.received.map((m) => m.slice(0, m.indexOf('\r\n')));
const last = <T>(items: T[]): T | undefined => items[items.length - 1];

function whenState(session: Session, state: SessionState, label: string, timeoutMs = 4000): Promise<void> {
  return waitFor(() => session.state === state, label, timeoutMs).then(() => undefined);
}

/** Sends a re-INVITE for hold/resume and resolves with the PBX's answer SDP. */
function reinvite(session: Session, hold: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    session
      .invite({
        sessionDescriptionHandlerOptions: { hold } as SessionDescriptionHandlerOptions,
        requestDelegate: {
          onAccept: (r) => resolve(r.message.body),
          onReject: (r) => reject(new Error(`re-INVITE rejected: ${r.message.statusCode}`)),
        },
      })
      .catch(reject);
  });
}

async function call(phone: Phone, number: string): Promise<{ inviter: Inviter; final: Promise<number> }> {
  const inviter = new Inviter(phone.ua, UserAgent.makeURI(`sip:${number}@${DEMO_DOMAIN}`)!);
  let settle!: (code: number) => void;
  const final = new Promise<number>((resolve) => (settle = resolve));
  await inviter.invite({
    requestDelegate: {
      onAccept: (r) => settle(r.message.statusCode ?? 0),
      onReject: (r) => settle(r.message.statusCode ?? 0),
    },
  });
  return { inviter, final };
}

describe('demo PBX', () => {
  describe('registration and outgoing calls', () => {
    let pbx: DemoPbxHandle;
    let phone: Phone | undefined;

    before(async () => {
      pbx = await installDemoPbx({ ringAfterMs: 60_000, answerAfterMs: 150 });
    });
    afterEach(async () => {
      await phone?.stop();
      phone = undefined;
    });
    after(() => pbx.uninstall());

    it('challenges REGISTER, accepts the right password and forbids a wrong one', async () => {
      phone = await startPhone();
      expect(await phone.register()).to.equal(200);
      expect(phone.registerer.state).to.equal(RegistererState.Registered);
      const challenge = phone.received.find((m) => m.startsWith('SIP/2.0 401'));
      expect(challenge).to.match(/WWW-Authenticate: Digest realm="demo\.patchbay\.invalid", nonce="[0-9a-f]+"/);
      const ok = last(phone.received)!;
      expect(ok).to.match(/^SIP\/2\.0 200 OK/);
      expect(ok).to.match(/Contact: <sip:[^>]+>.*;expires=300/);
      await phone.stop();

      phone = await startPhone('wrong');
      expect(await phone.register()).to.equal(403);
      expect(phone.registerer.state).to.not.equal(RegistererState.Registered);
    });

    it('answers an outgoing call with SDP Chrome accepts, holds, resumes, takes INFO and BYE', async () => {
      phone = await startPhone();
      await phone.register();
      const { inviter, final } = await call(phone, '1002');
      expect(await final).to.equal(200);
      await whenState(inviter, SessionState.Established, 'established');
      expect(startLines(phone)).to.include.members(['SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing']);
      const pc = phone.sdhs[0]!.pc;
      expect(pc.signalingState).to.equal('stable');
      expect(pc.currentRemoteDescription?.type).to.equal('answer');
      expect(pc.currentRemoteDescription?.sdp).to.match(/a=setup:active/);

      const held = await reinvite(inviter, true);
      expect(held).to.match(/a=recvonly/);
      expect(pc.signalingState).to.equal('stable');
      expect(pc.getTransceivers()[0]!.currentDirection).to.equal('sendonly');
      const resumed = await reinvite(inviter, false);
      expect(resumed).to.match(/a=sendrecv/);
      expect(pc.getTransceivers()[0]!.currentDirection).to.equal('sendrecv');

      const info = await new Promise<number>((resolve, reject) => {
        inviter
          .info({
            requestDelegate: { onAccept: (r) => resolve(r.message.statusCode ?? 0) },
            requestOptions: {
              body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: 'Signal=5\r\nDuration=160\r\n' },
            },
          })
          .catch(reject);
      });
      expect(info).to.equal(200);

      const bye = await new Promise<number>((resolve, reject) => {
        inviter.bye({ requestDelegate: { onAccept: (r) => resolve(r.message.statusCode ?? 0) } }).catch(reject);
      });
      expect(bye).to.equal(200);
      expect(inviter.state).to.equal(SessionState.Terminated);
    });

    it('answers 486 Busy Here for 486 and 404 Not Found for 404', async () => {
      phone = await startPhone();
      await phone.register();
      const busy = await call(phone, '486');
      expect(await busy.final).to.equal(486);
      await whenState(busy.inviter, SessionState.Terminated, 'busy terminated');
      const missing = await call(phone, '404');
      expect(await missing.final).to.equal(404);
    });

    it('lets a number ending in 0 ring until CANCEL, then answers 200 + 487', async () => {
      phone = await startPhone();
      await phone.register();
      const { inviter, final } = await call(phone, '5550');
      await waitFor(() => startLines(phone!).includes('SIP/2.0 180 Ringing'), '180');
      await sleep(300); // longer than answerAfterMs: it must not be answered
      expect(inviter.state).to.equal(SessionState.Establishing);
      await inviter.cancel();
      expect(await final).to.equal(487);
      await waitFor(() => phone!.received.some((m) => /^SIP\/2\.0 200 OK[\s\S]*CSeq: \d+ CANCEL/.test(m)), '200 to CANCEL');
      await whenState(inviter, SessionState.Terminated, 'cancelled');
    });

    it('accepts a blind transfer: 202, NOTIFY with a 200 sipfrag, then BYE', async () => {
      phone = await startPhone();
      await phone.register();
      const { inviter, final } = await call(phone, '1003');
      expect(await final).to.equal(200);
      await whenState(inviter, SessionState.Established, 'established');
      let notify = '';
      const accepted = await new Promise<number>((resolve, reject) => {
        inviter
          .refer(UserAgent.makeURI(`sip:1004@${DEMO_DOMAIN}`)!, {
            requestDelegate: { onAccept: (r) => resolve(r.message.statusCode ?? 0) },
            onNotify: (n) => {
              notify = n.request.body;
              n.accept();
            },
          })
          .catch(reject);
      });
      expect(accepted).to.equal(202);
      await whenState(inviter, SessionState.Terminated, 'PBX BYE after transfer');
      expect(notify).to.match(/^SIP\/2\.0 200 OK/);
      expect(startLines(phone).some((l) => l.startsWith('BYE '))).to.equal(true);
    });

    it('speaks SIP to a raw socket: OPTIONS 200, unknown 501, keep-alive pong, garbage ignored', async () => {
      const socket = new WebSocket(DEMO_SERVER, 'sip');
      const messages: string[] = [];
      socket.addEventListener('message', (e) => messages.push(String(e.data)));
      await new Promise((resolve, reject) => {
        socket.addEventListener('open', resolve);
        socket.addEventListener('error', reject);
      });
      const request = (method: string, n: number): string =>
        [
          `${method} sip:${DEMO_DOMAIN} SIP/2.0`,
          `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bKraw${n}`,
          'Max-Forwards: 70',
          `From: <sip:1001@${DEMO_DOMAIN}>;tag=raw${n}`,
          `To: <sip:${DEMO_DOMAIN}>`,
          `Call-ID: raw-${n}`,
          `CSeq: 1 ${method}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      socket.send('this is not SIP');
      socket.send('INVITE nonsense\r\n\r\n');
      socket.send(request('OPTIONS', 1));
      socket.send(request('MESSAGE', 2));
      socket.send('\r\n\r\n');
      await waitFor(() => messages.length >= 3, 'three replies');
      expect(messages[0]).to.match(/^SIP\/2\.0 200 OK\r\n[\s\S]*Call-ID: raw-1\r\n/);
      expect(messages[1]).to.match(/^SIP\/2\.0 501 Not Implemented\r\n[\s\S]*Call-ID: raw-2\r\n/);
      expect(messages[2]).to.equal('\r\n');
      socket.close();
    });

    it('leaves every other WebSocket URL to the real network', async () => {
      expect(globalThis.WebSocket).to.not.equal(NativeWebSocket);
      const dead = new WebSocket('ws://127.0.0.1:9/');
      expect(dead).to.be.instanceOf(NativeWebSocket);
      const events: string[] = [];
      await new Promise<void>((resolve) => {
        dead.addEventListener('open', () => events.push('open'));
        dead.addEventListener('error', () => events.push('error'));
        dead.addEventListener('close', (e) => {
          events.push(`close ${e.code}`);
          resolve();
        });
      });
      expect(events).to.deep.equal(['error', 'close 1006']);

      const live = new WebSocket(`ws://${location.host}/wds`);
      expect(live).to.be.instanceOf(NativeWebSocket);
      const opened = await new Promise<boolean>((resolve) => {
        live.addEventListener('open', () => resolve(true));
        live.addEventListener('close', () => resolve(false));
      });
      live.close();
      expect(opened, 'the dev server socket opens for real').to.equal(true);
    });
  });

  describe('scripted incoming calls', () => {
    let pbx: DemoPbxHandle | undefined;
    let phone: Phone | undefined;

    afterEach(async () => {
      await phone?.stop();
      phone = undefined;
      pbx?.uninstall();
      pbx = undefined;
    });

    it('rings with Ada Lovelace; accept is ACKed; hold, resume and BYE work; Grace rings once later', async () => {
      pbx = await installDemoPbx({ ringAfterMs: 100, secondCallAfterMs: 300, noAnswerAfterMs: 5000 });
      phone = await startPhone();
      expect(await phone.register()).to.equal(200);
      const ada = await waitFor(() => phone!.invitations[0], 'Ada to ring');
      expect(ada.remoteIdentity.displayName).to.equal('Ada Lovelace');
      expect(ada.remoteIdentity.uri.user).to.equal('+441632960123');
      expect(ada.remoteIdentity.uri.host).to.equal(DEMO_DOMAIN);
      expect(ada.body).to.match(/a=setup:actpass/);

      await ada.accept();
      await whenState(ada, SessionState.Established, 'established');
      await waitFor(() => startLines(phone!).some((l) => l.startsWith('ACK ')), 'the PBX to ACK');
      const pc = phone.sdhs[0]!.pc;
      expect(pc.currentRemoteDescription?.type).to.equal('offer');
      expect(pc.currentLocalDescription?.sdp).to.match(/a=setup:active/);

      const held = await reinvite(ada, true);
      expect(held).to.match(/a=recvonly/);
      expect(held).to.match(/a=setup:passive/); // keeps the DTLS roles of the first negotiation
      expect(pc.getTransceivers()[0]!.currentDirection).to.equal('sendonly');
      await reinvite(ada, false);
      expect(pc.getTransceivers()[0]!.currentDirection).to.equal('sendrecv');

      await ada.bye();
      await whenState(ada, SessionState.Terminated, 'terminated');

      const grace = await waitFor(() => phone!.invitations[1], 'Grace to ring', 3000);
      expect(grace.remoteIdentity.displayName).to.equal('Grace Hopper');
      expect(grace.remoteIdentity.uri.user).to.equal('+12025550147');
      const acks = (): number => startLines(phone!).filter((l) => l.startsWith('ACK ')).length;
      const before = acks();
      await grace.reject({ statusCode: 486 });
      await waitFor(() => acks() > before, 'the PBX to ACK the 486');
      await sleep(800);
      expect(phone.invitations.length, 'no third call').to.equal(2);
    });

    it('CANCELs an unanswered call and hangs up an answered one after the time limit', async () => {
      pbx = await installDemoPbx({ ringAfterMs: 50, noAnswerAfterMs: 400, secondCallAfterMs: 100, hangupAfterMs: 400 });
      phone = await startPhone();
      await phone.register();
      const ada = await waitFor(() => phone!.invitations[0], 'Ada to ring');
      await whenState(ada, SessionState.Terminated, 'cancelled by the PBX');
      expect(startLines(phone).some((l) => l.startsWith('CANCEL '))).to.equal(true);
      await waitFor(() => startLines(phone!).some((l) => l.startsWith('ACK ')), 'the PBX to ACK the 487');

      const grace = await waitFor(() => phone!.invitations[1], 'Grace to ring');
      await grace.accept();
      await whenState(grace, SessionState.Established, 'established');
      await whenState(grace, SessionState.Terminated, 'hung up by the PBX');
      expect(last(startLines(phone))).to.match(/^BYE sip:/);
    });

    it('uninstall restores the original WebSocket', () => {
      expect(globalThis.WebSocket).to.equal(NativeWebSocket);
    });
  });

  describe('inside a module SharedWorker', () => {
    it('installs without localStorage, registers a sip.js UserAgent and delivers the demo call', async () => {
      const demoUrl = new URL('../../src/worker/demo/demo-pbx.ts', import.meta.url).href;
      const sipUrl = new URL('../../node_modules/sip.js/lib/index.js', import.meta.url).href;
      const source = `
        self.onconnect = async (event) => {
          const port = event.ports[0];
          try {
            const hadStorage = 'localStorage' in self;
            const Native = self.WebSocket;
            const { installDemoPbx, DEMO_SERVER, DEMO_DOMAIN } = await import(${JSON.stringify(demoUrl)});
            const { UserAgent, Registerer } = await import(${JSON.stringify(sipUrl)});
            const pbx = await installDemoPbx({ ringAfterMs: 100 });
            let ringing;
            const rang = new Promise((resolve) => (ringing = resolve));
            const ua = new UserAgent({
              uri: UserAgent.makeURI('sip:1001@' + DEMO_DOMAIN),
              authorizationUsername: '1001',
              authorizationPassword: 'demo',
              transportOptions: { server: DEMO_SERVER },
              logBuiltinEnabled: false,
              delegate: {
                onInvite: (invitation) => {
                  ringing(invitation.remoteIdentity.displayName + ' ' + invitation.remoteIdentity.uri.user);
                  invitation.reject({ statusCode: 603 });
                },
              },
            });
            await ua.start();
            const code = await new Promise((resolve) =>
              new Registerer(ua).register({
                requestDelegate: {
                  onAccept: (r) => resolve(r.message.statusCode),
                  onReject: (r) => resolve(r.message.statusCode),
                },
              }),
            );
            const caller = await rang;
            await ua.stop();
            pbx.uninstall();
            port.postMessage({ hadStorage, storageAfter: 'localStorage' in self, code, caller, restored: self.WebSocket === Native });
          } catch (error) {
            port.postMessage({ error: String((error && error.stack) || error) });
          }
        };`;
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const worker = new SharedWorker(url, { type: 'module', name: `demo-pbx-${Date.now()}` });
      const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
        worker.port.onmessage = (e: MessageEvent<Record<string, unknown>>) => resolve(e.data);
        worker.onerror = () => reject(new Error('the worker failed to load'));
        worker.port.start();
      });
      URL.revokeObjectURL(url);
      expect(result['error']).to.equal(undefined);
      expect(result).to.deep.equal({
        hadStorage: false,
        storageAfter: false,
        code: 200,
        caller: 'Ada Lovelace +441632960123',
        restored: true,
      });
    });
  });
});
