import { expect } from 'chai';
import { KeepAlive, type Timers } from '../../src/worker/sip/keep-alive.ts';

const policy = { intervalMs: 15_000, timeoutMs: 10_000 };

/** Timers that only run when the test moves the clock. */
function fakeTimers() {
  let now = 0;
  let next = 0;
  const armed = new Map<number, { fn: () => void; at: number }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      armed.set(++next, { fn, at: now + ms });
      return next;
    },
    clearTimeout: (handle) => void armed.delete(handle as number),
  };
  return {
    timers,
    now: () => now,
    armedCount: () => armed.size,
    /** Moves the clock to `to`, running every timer due by then, in order. */
    async advance(to: number) {
      for (;;) {
        const due = [...armed].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        armed.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await Promise.resolve();
        await Promise.resolve();
      }
      now = to;
    },
  };
}

/** A server that answers pings while `up`, and never answers once it is not (a blackhole). */
function server(time: ReturnType<typeof fakeTimers>) {
  const s = { up: true, pings: [] as number[], deaths: [] as { at: number; reason: string }[] };
  const ping = () => {
    s.pings.push(time.now());
    return s.up ? Promise.resolve() : new Promise<void>(() => undefined);
  };
  const keepAlive = new KeepAlive(ping, (reason) => s.deaths.push({ at: time.now(), reason }), policy, time.timers);
  return { s, keepAlive };
}

describe('KeepAlive', () => {
  it('pings once an interval while the server answers, and never calls it dead', async () => {
    const time = fakeTimers();
    const { s, keepAlive } = server(time);
    keepAlive.start();
    await time.advance(60_000);
    expect(s.pings).to.deep.equal([15_000, 30_000, 45_000, 60_000]);
    expect(s.deaths).to.deep.equal([]);
  });

  it('calls a silent server dead once, within interval + timeout of its last answer, and stops pinging', async () => {
    const time = fakeTimers();
    const { s, keepAlive } = server(time);
    keepAlive.start();
    await time.advance(15_000);
    s.up = false;
    await time.advance(120_000);
    expect(s.pings).to.deep.equal([15_000, 30_000]);
    expect(s.deaths).to.have.length(1);
    expect(s.deaths[0]!.at).to.equal(40_000);
    expect(s.deaths[0]!.at - 15_000).to.be.at.most(policy.intervalMs + policy.timeoutMs);
    expect(s.deaths[0]!.reason).to.match(/No answer from the server for 10 s/);
    expect(keepAlive.running).to.equal(false);
  });

  it('calls it dead at once when a ping cannot be sent', async () => {
    const time = fakeTimers();
    const deaths: string[] = [];
    const keepAlive = new KeepAlive(() => Promise.reject(new Error('Not connected.')), (r) => deaths.push(r), policy, time.timers);
    keepAlive.start();
    await time.advance(15_000);
    expect(deaths).to.deep.equal(['The connection to the server failed: Not connected.']);
    await time.advance(100_000);
    expect(deaths).to.have.length(1);
  });

  it('ignores a late answer to a ping of a stopped run, and a restart begins afresh', async () => {
    const time = fakeTimers();
    let answer: () => void = () => undefined;
    const deaths: string[] = [];
    let pings = 0;
    const keepAlive = new KeepAlive(
      () => {
        pings++;
        return new Promise<void>((resolve) => (answer = resolve));
      },
      (r) => deaths.push(r),
      policy,
      time.timers,
    );
    keepAlive.start();
    await time.advance(16_000);
    keepAlive.stop();
    answer();
    await time.advance(100_000);
    expect(pings).to.equal(1);
    expect(deaths).to.deep.equal([]);
    expect(time.armedCount()).to.equal(0);
    keepAlive.start();
    await time.advance(115_000);
    expect(pings).to.equal(2);
  });
});
