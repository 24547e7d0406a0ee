import { expect } from 'chai';
import { CallBook } from '../../src/worker/calls/call-book.ts';
import { CallClock } from '../../src/worker/calls/call-clock.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';
import { record } from './book-fixtures.ts';

const HOUR = 3_600_000;
let n = 0;

/** A call book whose wall clock and monotonic clock the test moves apart. */
async function book() {
  const store = await CallStore.open(`test-call-clock-${Date.now()}-${n++}`);
  const clocks = { wall: 1_700_000_000_000, mono: 1_000 };
  const b = new CallBook(store, () => clocks.wall, 30_000, new CallClock(() => clocks.mono));
  /** `ms` really pass, and the wall clock is also set by `jump`. */
  const pass = (ms: number, jump = 0) => {
    clocks.mono += ms;
    clocks.wall += ms + jump;
  };
  return { book: b, pass, clocks };
}

describe('call durations when the wall clock jumps', () => {
  for (const [what, jump] of [['set back 5 hours', -5 * HOUR], ['set forward 7 hours', 7 * HOUR]] as const) {
    it(`a call that rang 3 s and talked 60 s says so when the clock is ${what} while it rings and while it talks`, async () => {
      const { book: b, pass, clocks } = await book();
      await b.create(record('c1', clocks.wall));
      pass(3_000, jump);
      await b.transition('c1', { type: 'answered' });
      pass(60_000, jump);
      const ended = await b.transition('c1', { type: 'ended', outcome: 'answered' });
      expect(ended.ringSeconds).to.equal(3);
      expect(ended.talkSeconds).to.equal(60);
    });
  }

  it('a missed call rang for as long as it really rang', async () => {
    const { book: b, pass, clocks } = await book();
    await b.create(record('c2', clocks.wall));
    pass(20_000, -3 * HOUR);
    const ended = await b.transition('c2', { type: 'ended', outcome: 'missed' });
    expect(ended.ringSeconds).to.equal(20);
    expect(ended.talkSeconds).to.equal(undefined);
  });
});
