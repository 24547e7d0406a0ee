import { expect } from 'chai';
import { backoffDelay } from '../../src/worker/sip/sip-phone.ts';

describe('reconnect backoff', () => {
  const policy = (r: number) => ({ baseMs: 1000, maxMs: 30000, random: () => r });

  it('doubles the window after every failed attempt, up to the cap', () => {
    const windows = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, policy(1)));
    expect(windows).to.deep.equal([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads reconnects over the second half of the window (jitter), so tabs and users do not stampede', () => {
    expect(backoffDelay(3, policy(0))).to.equal(4000);
    expect(backoffDelay(3, policy(0.5))).to.equal(6000);
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(4, { baseMs: 1000, maxMs: 30000, random: Math.random })));
    expect(samples.size).to.be.greaterThan(10);
    for (const s of samples) expect(s).to.be.within(8000, 16000);
  });
});
