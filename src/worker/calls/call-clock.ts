/**
 * How long calls in progress have rung and talked, by the monotonic clock. A record's times
 * (`startedAt`, `answeredAt`, `endedAt`) are wall-clock times, for people and calendars; but the
 * wall clock jumps (the user or NTP sets it, a laptop wakes in another time), and a duration taken
 * as the difference of two of them would be hours off, or nothing. So the hub notes the monotonic
 * time (`performance.now()`) when each call starts and is answered, and the ring and talk seconds
 * come from those. A record the hub did not see start (one closed after a crash) has no marks:
 * its durations fall back to the wall-clock times.
 */
import type { Elapsed } from './call-state.ts';

export class CallClock {
  private readonly marks = new Map<string, { start: number; answer?: number }>();

  constructor(private readonly monotonic: () => number = () => performance.now()) {}

  started(id: string): void {
    this.marks.set(id, { start: this.monotonic() });
  }

  answered(id: string): void {
    const mark = this.marks.get(id);
    if (mark) mark.answer = this.monotonic();
  }

  /** Milliseconds since the call started and since it was answered, where the hub saw them. */
  elapsed(id: string): Elapsed {
    const mark = this.marks.get(id);
    if (!mark) return {};
    const now = this.monotonic();
    return { sinceStart: now - mark.start, sinceAnswer: mark.answer === undefined ? undefined : now - mark.answer };
  }

  forget(id: string): void {
    this.marks.delete(id);
  }
}
