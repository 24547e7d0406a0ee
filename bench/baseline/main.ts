/**
 * The baseline of the benchmarks: what a web phone without a shared hub does (Odoo's VoIP module,
 * Browser-Phone): every tab runs its own sip.js UserAgent and Registerer, with the same options as
 * Patchbay's hub, and shows a bare `role=alertdialog` element for an incoming call straight from the
 * sip.js callback (no framework, no storage: the cheapest possible screen pop).
 *
 * Query parameters: server (ws URL), aor (sip:user@domain), password.
 */
import { Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent } from 'sip.js';

const q = new URLSearchParams(location.search);
const server = q.get('server') ?? '';
const aor = q.get('aor') ?? '';
const status = document.querySelector('[role=status]')!;
const calls = document.querySelector('#calls')!;

function showIncoming(invitation: Invitation): void {
  const dialog = document.createElement('section');
  dialog.setAttribute('role', 'alertdialog');
  dialog.setAttribute('aria-label', 'Incoming call');
  const who = invitation.remoteIdentity.displayName || invitation.remoteIdentity.uri.user || '';
  dialog.textContent = `Incoming call ${who}`;
  calls.append(dialog);
  invitation.stateChange.addListener((state) => {
    if (state === SessionState.Terminated) dialog.remove();
  });
}

const uri = UserAgent.makeURI(aor);
if (!uri) throw new Error(`bad aor ${aor}`);
const ua = new UserAgent({
  uri,
  authorizationUsername: uri.user,
  authorizationPassword: q.get('password') ?? '',
  transportOptions: { server, connectionTimeout: 5, keepAliveInterval: 25 },
  reconnectionAttempts: 0,
  noAnswerTimeout: 60,
  userAgentString: 'Baseline/0.1 (sip.js)',
  logBuiltinEnabled: false,
  logLevel: 'warn',
  delegate: { onInvite: showIncoming },
});
const registerer = new Registerer(ua, { expires: 300, refreshFrequency: 90 });
registerer.stateChange.addListener((state) => {
  status.textContent = state === RegistererState.Registered ? `Registered as ${aor.replace(/^sip:/, '')}` : state;
});
status.textContent = 'Connecting…';
await ua.start();
await registerer.register();

/**
 * Click-to-call as the baseline does it: an Inviter with sip.js's own media handler (microphone, then
 * the offer, then the INVITE). `dialledAt` is the epoch time of the call, for the caller benchmark.
 */
let outgoing: Inviter | undefined;
Object.assign(window, {
  dial(target: string): number {
    const at = performance.timeOrigin + performance.now();
    const to = UserAgent.makeURI(`sip:${target}@${uri.host}`);
    if (!to) throw new Error(`bad target ${target}`);
    outgoing = new Inviter(ua, to, { sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
    void outgoing.invite();
    return at;
  },
  async hangUp(): Promise<void> {
    const call = outgoing;
    outgoing = undefined;
    if (!call) return;
    if (call.state === SessionState.Established) await call.bye();
    else if (call.state === SessionState.Establishing || call.state === SessionState.Initial) await call.cancel();
  },
});
