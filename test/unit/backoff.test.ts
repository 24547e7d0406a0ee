import { expect } from 'chai';
import type { HubStatus } from '../../src/shared/api.ts';
import { RegistrationDriver, type Clock } from '../../src/worker/sip/registration-driver.ts';
import { BACKOFF, backoffDelay, statusOf } from '../../src/worker/sip/registration.ts';

const account = { aor: 'sip:1001@pbx.example.com', server: 'wss://pbx.example.com/ws' };

/** A clock that only moves when a timer is fired, and randomness from a list. */
function fakeClock(random: () => number) {
  let now = 1_700_000_000_000;
  let next = 0;
  const timers = new Map<number, { fn: () => void; ms: number; at: number }>();
  const clock: Clock = {
    now: () => now,
    random,
    setTimeout: (fn, ms) => {
      timers.set(++next, { fn, ms, at: now + ms });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  return {
    clock,
    armed: () => [...timers.values()],
    /** Runs the one armed timer, moving the clock to when it was due; returns its delay. */
    fire(): number {
      expect(timers.size, 'one retry timer armed').to.equal(1);
      const [[handle, t]] = [...timers];
      timers.delete(handle);
      now = t.at;
      t.fn();
      return t.ms;
    },
  };
}

/** A phone whose every try fails at once, or succeeds when `succeed` says so; the delays it waited. */
function failingPhone(random: () => number) {
  const time = fakeClock(random);
  const statuses: Partial<HubStatus>[] = [];
  let succeed = false;
  const driver: RegistrationDriver = new RegistrationDriver(
    (r) => statuses.push(statusOf(r)),
    () => (succeed ? driver.apply({ type: 'registered' }) : driver.lost('Server unreachable', true)),
    time.clock,
  );
  driver.apply({ type: 'sign-in', account });
  driver.lost('Server unreachable', true);
  const waits = (n: number) => Array.from({ length: n }, () => time.fire());
  return { driver, time, statuses, waits, succeedNext: () => (succeed = true), failNext: () => (succeed = false) };
}

describe('reconnect backoff', () => {
  it('doubles the wait after every failed try, up to the cap, with no real sleeping', () => {
    const { waits } = failingPhone(() => 1);
    expect(waits(9)).to.deep.equal([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    const { waits: shortest } = failingPhone(() => 0);
    expect(shortest(7)).to.deep.equal([500, 1000, 2000, 4000, 8000, 15000, 15000]);
  });

  it('keeps each jittered wait inside the second half of its window, so tabs and users do not stampede', () => {
    // A fixed-seed generator: the same numbers on every run.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const { waits } = failingPhone(random);
    const got = waits(12);
    got.forEach((ms, attempt) => {
      const window = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** attempt);
      expect(ms, `try ${attempt + 1}`).to.be.within(window / 2, window);
    });
    expect(new Set(got.slice(6)).size, 'capped waits still spread').to.be.greaterThan(1);
    expect(Math.max(...got)).to.be.at.most(BACKOFF.maxMs);
  });

  it('shows the time of the next try, which is when the timer fires', () => {
    const { time, statuses } = failingPhone(() => 0.5);
    for (let i = 0; i < 4; i++) {
      const shown = statuses.at(-1)!;
      expect(shown.state).to.equal('connecting');
      expect(shown.nextRetryAt).to.equal(time.armed()[0]!.at);
      time.fire();
    }
  });

  it('starts again from the shortest wait after a registration succeeds', () => {
    const phone = failingPhone(() => 1);
    expect(phone.waits(4)).to.deep.equal([1000, 2000, 4000, 8000]);
    phone.succeedNext();
    phone.waits(1);
    expect(phone.driver.current.state).to.equal('registered');
    expect(phone.time.armed()).to.have.length(0);
    phone.failNext();
    phone.driver.lost('Connection lost', true);
    expect(phone.waits(3)).to.deep.equal([1000, 2000, 4000]);
  });

  it('offline means no timer: the status never says offline while a retry is armed', () => {
    const phone = failingPhone(() => 1);
    phone.waits(2);
    expect(phone.time.armed()).to.have.length(1);
    phone.driver.apply({ type: 'network-down' });
    expect(phone.time.armed(), 'the retry timer is cancelled').to.have.length(0);
    expect(phone.statuses.at(-1)).to.deep.include({ state: 'offline', nextRetryAt: undefined });
    // The transport's own report of the loss arrives late: not a move, and no timer.
    expect(phone.driver.can('lost')).to.equal(false);
    // Back online: the cancelled try is made at once, and if it fails the backoff carries on.
    phone.driver.apply({ type: 'network-up' });
    expect(phone.statuses.at(-1)).to.deep.include({ state: 'connecting', nextRetryAt: undefined });
    phone.driver.lost('Server unreachable', true);
    expect(phone.waits(1)).to.deep.equal([8000]);
  });

  it('a loss while the device is offline waits for the network, not for a timer', () => {
    const phone = failingPhone(() => 1);
    phone.succeedNext();
    phone.waits(1);
    phone.driver.lost('Connection lost', false);
    expect(phone.time.armed()).to.have.length(0);
    expect(phone.statuses.at(-1)).to.deep.include({ state: 'offline', reason: 'This device is offline', nextRetryAt: undefined });
  });

  it('signing out cancels a pending retry', () => {
    const phone = failingPhone(() => 1);
    phone.driver.apply({ type: 'sign-out' });
    expect(phone.time.armed()).to.have.length(0);
    expect(phone.statuses.at(-1)).to.deep.include({ state: 'signed-out', nextRetryAt: undefined });
  });

  it('backoffDelay: half the window fixed, half random', () => {
    expect(backoffDelay(3, 0)).to.equal(4000);
    expect(backoffDelay(3, 0.5)).to.equal(6000);
    expect(backoffDelay(3, 1)).to.equal(8000);
    expect(backoffDelay(20, 1)).to.equal(BACKOFF.maxMs);
  });
});
