// Proves the test PBX works without a browser: sip.js user agents in Node
// (over the `ws` package) register, call each other, survive a PBX restart,
// and take a call from a plain UDP phone (SIPp) through rtpengine.
//
//   node --test test/support/pbx.selftest.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { UserAgent, Registerer, RegistererState, Inviter, SessionState } from 'sip.js';
import { startPbx, sippCall } from './pbx.mjs';
import { startGarbageWs, HOSTILE_DISPLAY_NAME } from './garbage-ws.mjs';

globalThis.WebSocket ??= WebSocket;

// ---------------------------------------------------------------------------
// a SessionDescriptionHandler that never touches media

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');

function webrtcSdp({ setup, port, payloads, mid = '0' }) {
  const rtpmaps = { 111: 'opus/48000/2', 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' };
  return [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'a=msid-semantic: WMS',
    `m=audio ${port} UDP/TLS/RTP/SAVPF ${payloads.join(' ')}`,
    // a real address, as a browser has once ICE gathering is complete
    // (0.0.0.0 would read as "on hold")
    'c=IN IP4 127.0.0.1',
    `a=rtcp:${port} IN IP4 127.0.0.1`,
    `a=candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host generation 0`,
    'a=ice-ufrag:fAkE',
    'a=ice-pwd:fakefakefakefakefakefake',
    `a=fingerprint:sha-256 ${FINGERPRINT}`,
    `a=setup:${setup}`,
    `a=mid:${mid}`,
    'a=sendrecv',
    'a=rtcp-mux',
    ...payloads.map((pt) => `a=rtpmap:${pt} ${rtpmaps[pt]}`),
    '',
  ].join('\r\n');
}

/** Records remote SDPs; offers/answers a static WebRTC-looking SDP. */
class FakeSdh {
  constructor(mediaPort, received) {
    this.mediaPort = mediaPort;
    this.received = received;
    this.remote = undefined;
  }
  async getDescription() {
    // answer with what the offer had that we know, else offer opus + PCMU
    let payloads = [111, 0];
    let setup = 'actpass';
    let mid = '0';
    if (this.remote) {
      mid = /^a=mid:(\S+)/m.exec(this.remote)?.[1] ?? '0';
      const m = /^m=audio \d+ \S+ (.*)$/m.exec(this.remote);
      const offered = m ? m[1].trim().split(/\s+/).map(Number) : [];
      payloads = offered.filter((pt) => [111, 0, 8, 101].includes(pt));
      if (payloads.length === 0) payloads = [0];
      setup = 'active';
    }
    return { body: webrtcSdp({ setup, port: this.mediaPort, payloads, mid }), contentType: 'application/sdp' };
  }
  async setDescription(sdp) {
    this.remote = sdp;
    this.received.push(sdp);
  }
  hasDescription(contentType) {
    return contentType === 'application/sdp';
  }
  async rollbackDescription() {}
  sendDtmf() {
    return true;
  }
  close() {}
}

// ---------------------------------------------------------------------------
// helpers

let pbx;
let stunSocket;
let stunRequests = 0;
const agents = [];

function waitFor(predicate, what, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

function waitForState(emitterOwner, wanted, what, timeoutMs = 5000) {
  if (emitterOwner.state === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what} (state ${emitterOwner.state})`)), timeoutMs);
    const listener = (state) => {
      if (state !== wanted) return;
      clearTimeout(timer);
      emitterOwner.stateChange.removeListener(listener);
      resolve();
    };
    emitterOwner.stateChange.addListener(listener);
  });
}

/** A started sip.js UA for `user`, with a Registerer and a log of incoming INVITE SDPs. */
async function makeAgent(user, { password = `pw-${user}`, autoAnswer = true } = {}) {
  const received = [];
  const invites = [];
  const sessions = [];
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${pbx.domain}`),
    authorizationUsername: user,
    authorizationPassword: password,
    transportOptions: { server: pbx.wsUrl },
    sessionDescriptionHandlerFactory: () => new FakeSdh(stunSocket.address().port, received),
    logBuiltinEnabled: false,
    logLevel: 'error',
    delegate: {
      onInvite(invitation) {
        invites.push(invitation.request.body);
        sessions.push(invitation);
        if (autoAnswer) invitation.accept().catch(() => {});
      },
    },
  });
  await ua.start();
  const registerer = new Registerer(ua, { expires: 300 });
  const agent = { user, ua, registerer, received, invites, sessions, rejected: [] };
  agents.push(agent);
  return agent;
}

async function register(agent) {
  await agent.registerer.register({
    requestDelegate: {
      onReject: (response) => agent.rejected.push(response.message.statusCode),
    },
  });
}

before(async () => {
  stunSocket = dgram.createSocket('udp4');
  stunSocket.on('message', (msg) => {
    // STUN binding request: type 0x0001, magic cookie 0x2112A442
    if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0001 && msg.readUInt32BE(4) === 0x2112a442) stunRequests++;
  });
  await new Promise((resolve) => stunSocket.bind(0, '127.0.0.1', resolve));
  pbx = await startPbx();
});

after(async () => {
  if (process.env.PBX_SELFTEST_LOG && pbx) writeFileSync(process.env.PBX_SELFTEST_LOG, pbx.logs());
  for (const { ua } of agents) {
    await ua.stop().catch(() => {});
  }
  await pbx?.stop();
  stunSocket?.close();
});

// ---------------------------------------------------------------------------
// the tests (they run in order and build on each other)

let alice; // 1001
let bob; // 1002

test('two WebSocket users register; a wrong password is rejected', async () => {
  alice = await makeAgent('1001');
  bob = await makeAgent('1002');
  await Promise.all([register(alice), register(bob)]);
  await waitForState(alice.registerer, RegistererState.Registered, '1001 registered');
  await waitForState(bob.registerer, RegistererState.Registered, '1002 registered');
  // the 200 OK can overtake kamailio's log line
  await pbx.waitForLog(/PBX-REGISTER-OK user=1001/);
  await pbx.waitForLog(/PBX-REGISTER-OK user=1002/);

  const counts = pbx.counts();
  assert.equal(counts.wsOpen, 2, 'two WebSocket connections');
  assert.equal(counts.registrationsByUser['1001'], 1);
  assert.equal(counts.registrationsByUser['1002'], 1);
  // challenged REGISTER + authenticated REGISTER for each
  assert.equal(counts.registersByUser['1001'], 2);
  assert.equal(counts.registersByUser['1002'], 2);
  assert.ok(counts.messagesByKind['401 REGISTER'] === undefined, 'no reply counted for our own 401s');
  assert.ok(counts.messages >= 4);

  const mallory = await makeAgent('1003', { password: 'not-the-password' });
  await register(mallory);
  await waitFor(() => mallory.rejected.length > 0, '1003 rejected');
  assert.ok([401, 403].includes(mallory.rejected[0]), `rejected with ${mallory.rejected[0]}`);
  assert.notEqual(mallory.registerer.state, RegistererState.Registered);
  await pbx.waitForLog(/PBX-AUTH-FAIL user=1003/);
  assert.equal(pbx.counts().authFailures, 1);
  await mallory.ua.stop();
  agents.splice(agents.indexOf(mallory), 1);
  await pbx.waitForLog(/PBX-WS-CLOSED/);
});

test('1001 calls 1002 over WebSocket; ACK and BYE reach the other side', async () => {
  pbx.resetCounts();
  const inviter = new Inviter(alice.ua, UserAgent.makeURI(`sip:1002@${pbx.domain}`));
  await inviter.invite();
  await waitForState(inviter, SessionState.Established, 'caller established');
  const invitation = bob.sessions.at(-1);
  assert.ok(invitation, '1002 got the INVITE');
  await waitForState(invitation, SessionState.Established, 'callee established');
  // WS <-> WS: the browser's own SDP goes through untouched
  assert.match(bob.invites.at(-1), /a=ice-ufrag:fAkE/);
  await pbx.waitForLog(/PBX-MSG ACK proto=ws/);

  await inviter.bye();
  await waitForState(invitation, SessionState.Terminated, 'callee saw BYE');
  await waitForState(inviter, SessionState.Terminated, 'caller terminated');
  const counts = await pbx.waitForCounts((c) => c.messagesByKind['200 BYE'] === 1);
  assert.equal(counts.messagesByKind.INVITE, 2, 'challenged + authenticated INVITE');
  assert.equal(counts.messagesByKind.ACK >= 1, true);
  assert.equal(counts.messagesByKind.BYE, 1);
  assert.equal(counts.messagesByKind['200 BYE'], 1);
  assert.equal(counts.rtpengine, 0, 'no rtpengine between two WebSocket users');
});

test('after restart() the users reconnect and register again', async () => {
  pbx.resetCounts();
  await pbx.restart();
  await waitFor(() => !alice.ua.isConnected() && !bob.ua.isConnected(), 'transports noticed the restart');
  await Promise.all([alice.ua.reconnect(), bob.ua.reconnect()]);
  await Promise.all([register(alice), register(bob)]);
  await pbx.waitForLog(/PBX-REGISTER-OK user=1001/);
  await pbx.waitForLog(/PBX-REGISTER-OK user=1002/);
  const counts = pbx.counts();
  assert.equal(counts.wsOpen, 2);
  assert.equal(counts.registrationsByUser['1001'], 1);
  assert.equal(counts.registrationsByUser['1002'], 1);
});

test('a UDP phone (SIPp) calls a WebSocket user through rtpengine', async () => {
  pbx.resetCounts();
  stunRequests = 0;
  const before = bob.invites.length;
  const result = await sippCall(pbx, { to: '1002', from: '1010', durationMs: 1500 });
  assert.equal(result.code, 0, `sipp failed (${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr}\n${result.errors}\n${pbx.logs().slice(-4000)}`);

  assert.equal(bob.invites.length, before + 1, '1002 got one INVITE');
  const offer = bob.invites.at(-1);
  // rewritten by rtpengine from SIPp's RTP/AVP PCMU offer into WebRTC
  assert.match(offer, /^m=audio \d+ (UDP\/TLS\/)?RTP\/SAVPF /m);
  assert.match(offer, /^a=candidate:/m);
  assert.match(offer, /^a=ice-ufrag:/m);
  assert.match(offer, /^a=fingerprint:/m);
  assert.match(offer, /^a=rtcp-mux/m);

  const invitation = bob.sessions.at(-1);
  await waitForState(invitation, SessionState.Terminated, 'SIPp hung up');
  const counts = pbx.counts();
  assert.ok(counts.rtpengine >= 3, `offer, answer and delete went to rtpengine (${counts.rtpengine})`);
  await pbx.waitForLog(/PBX-RTPENGINE dir=to-ws INVITE/);
  await pbx.waitForLog(/PBX-RTPENGINE dir=to-udp 200 INVITE/);
  await pbx.waitForLog(/PBX-RTPENGINE dir=to-ws BYE/);
  // rtpengine ran ICE towards the WebSocket side's candidate
  assert.ok(stunRequests > 0, 'rtpengine sent STUN checks to the WebRTC candidate');
  // and SIPp's RTP reached rtpengine
  const stats = pbx.logs().split('\n').filter((l) => /\[rtpengine\].* \d+ p, \d+ b/.test(l));
  const packets = stats.map((l) => Number(/ (\d+) p, /.exec(l)[1]));
  assert.ok(packets.some((n) => n > 10), `RTP packets seen by rtpengine: ${stats.join(' | ')}`);
});

test('the garbage WebSocket server registers a client and throws junk at it', async () => {
  const garbage = await startGarbageWs({ delayMs: 20 });
  const callers = [];
  const ua = new UserAgent({
    uri: UserAgent.makeURI('sip:1005@127.0.0.1'),
    transportOptions: { server: garbage.url },
    logBuiltinEnabled: false,
    delegate: {
      onInvite(invitation) {
        callers.push(invitation.remoteIdentity.displayName);
        invitation.reject().catch(() => {});
      },
    },
  });
  try {
    await ua.start();
    const registerer = new Registerer(ua);
    await registerer.register();
    await waitForState(registerer, RegistererState.Registered, 'registered at the garbage server');
    await waitFor(() => callers.length > 0, 'the hostile INVITE');
    assert.equal(callers[0], HOSTILE_DISPLAY_NAME);
    await waitFor(() => garbage.messages().some((m) => m.startsWith('SIP/2.0 480')), 'the INVITE rejected');
    // A final error answer to an INVITE is acknowledged, as RFC 3261 17.1.1.3 has the client do.
    await waitFor(() => garbage.sent().includes('ACK'), 'the ACK for the 480');
    assert.deepEqual(garbage.sent(), [
      '200 REGISTER',
      'binary-junk',
      'truncated-status-line',
      'header-without-colon',
      'huge-content-length',
      'stray-reply',
      'html-display-name-invite',
      'ACK',
    ]);
    // REGISTER, 400 to the MESSAGE with the huge Content-Length, 100/180/480 to the INVITE
    assert.ok(garbage.received() >= 4, `received ${garbage.received()}`);
    assert.ok(ua.isConnected(), 'the client survived');
  } finally {
    await ua.stop().catch(() => {});
    await garbage.close();
  }
});
