import { expect } from 'chai';
import {
  allowed, canApply, OFFLINE_REASON, statusOf, transition,
  type Registration, type RegistrationEvent,
} from '../../src/worker/sip/registration.ts';

const account = { aor: 'sip:1001@pbx.example.com', server: 'wss://pbx.example.com/ws', displayName: 'Ada' };

const states: Record<Registration['state'], Registration> = {
  'signed-out': { state: 'signed-out' },
  connecting: { state: 'connecting', account, attempt: 2, reason: 'Server unreachable' },
  registered: { state: 'registered', account },
  waiting: { state: 'waiting', account, attempt: 3, reason: 'Server unreachable', nextRetryAt: 5000 },
  offline: { state: 'offline', account, attempt: 3, reason: OFFLINE_REASON },
  failed: { state: 'failed', account, reason: '403 Forbidden: check the username and password' },
};

const events: Record<RegistrationEvent['type'], RegistrationEvent> = {
  'sign-in': { type: 'sign-in', account },
  registered: { type: 'registered' },
  lost: { type: 'lost', reason: 'Connection lost', online: true, at: 1000, jitter: 1 },
  retry: { type: 'retry' },
  'network-down': { type: 'network-down' },
  'network-up': { type: 'network-up' },
  rejected: { type: 'rejected', reason: '401 Unauthorized' },
  'sign-out': { type: 'sign-out' },
};

/** Every allowed move and where it leads; every other pair must throw. */
const moves: Record<Registration['state'], Partial<Record<RegistrationEvent['type'], Registration['state']>>> = {
  'signed-out': { 'sign-in': 'connecting' },
  connecting: { registered: 'registered', lost: 'waiting', rejected: 'failed', 'network-down': 'offline', 'sign-out': 'signed-out' },
  registered: { lost: 'waiting', 'network-down': 'offline', 'sign-out': 'signed-out' },
  waiting: { retry: 'connecting', 'network-up': 'connecting', 'network-down': 'offline', 'sign-out': 'signed-out' },
  offline: { 'network-up': 'connecting', 'sign-out': 'signed-out' },
  failed: { 'sign-in': 'connecting', 'sign-out': 'signed-out' },
};

describe('registration state machine', () => {
  it('allows exactly the moves drawn in its diagram', () => {
    for (const [state, to] of Object.entries(moves)) {
      expect([...allowed[state as Registration['state']]].sort(), state).to.deep.equal(Object.keys(to).sort());
    }
  });

  for (const [from, r] of Object.entries(states)) {
    for (const [type, e] of Object.entries(events)) {
      const to = moves[from as Registration['state']][type as RegistrationEvent['type']];
      if (to) {
        it(`${from} --${type}--> ${to}`, () => {
          expect(canApply(r, e.type)).to.equal(true);
          expect(transition(r, e).state).to.equal(to);
        });
      } else {
        it(`${from} refuses ${type} with a named error`, () => {
          expect(canApply(r, e.type)).to.equal(false);
          expect(() => transition(r, e)).to.throw(`Registration is ${from}; it cannot take '${type}'`).with.property('name', 'InvalidState');
        });
      }
    }
  }

  it('a loss with no network goes offline, with no retry time', () => {
    for (const from of [states.connecting, states.registered]) {
      const next = transition(from, { type: 'lost', reason: 'Connection lost', online: false, at: 1000, jitter: 0.5 });
      expect(next).to.deep.include({ state: 'offline', reason: OFFLINE_REASON });
      expect(statusOf(next)).to.deep.include({ state: 'offline', nextRetryAt: undefined });
    }
  });

  it('counts failures until a registration succeeds, and keeps the count through offline', () => {
    let r = transition(states['signed-out'], events['sign-in']);
    expect(r).to.deep.include({ attempt: 0 });
    r = transition(r, { type: 'lost', reason: 'Server unreachable', online: true, at: 0, jitter: 0 });
    expect(r).to.deep.include({ state: 'waiting', attempt: 1, reason: 'Server unreachable' });
    r = transition(r, events.retry);
    expect(r).to.deep.include({ state: 'connecting', attempt: 1, reason: 'Server unreachable' });
    r = transition(transition(r, events['network-down']), events['network-up']);
    expect(r).to.deep.include({ state: 'connecting', attempt: 1 });
    r = transition(transition(r, events.registered), events.lost);
    expect(r).to.deep.include({ state: 'waiting', attempt: 1 });
  });

  it('the status tabs show is derived from the state, every field set so none goes stale', () => {
    expect(statusOf(states.waiting)).to.deep.equal({
      state: 'connecting', aor: account.aor, server: account.server, displayName: 'Ada', reason: 'Server unreachable', nextRetryAt: 5000,
    });
    expect(statusOf(states.connecting)).to.deep.include({ state: 'connecting', reason: 'Server unreachable', nextRetryAt: undefined });
    expect(statusOf(states.registered)).to.deep.include({ state: 'registered', reason: undefined, nextRetryAt: undefined });
    expect(statusOf(states.failed)).to.deep.include({ state: 'failed', reason: states.failed.state === 'failed' && states.failed.reason });
    expect(statusOf(states['signed-out'])).to.deep.equal({
      state: 'signed-out', aor: undefined, server: undefined, displayName: undefined, reason: undefined, nextRetryAt: undefined,
    });
  });
});
