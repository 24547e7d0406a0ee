/**
 * Holds the one registration state and is the only place it changes: every move goes through
 * `transition`, is published as status, and leaves the retry timer armed exactly while the state is
 * `waiting`, for its `nextRetryAt` (so the status can never say one thing while a timer does another).
 */
import { canApply, transition, type Registration, type RegistrationEvent } from './registration.ts';

/** Time, randomness and timers, injectable so tests can run the backoff without sleeping. */
export interface Clock {
  now(): number;
  random(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class RegistrationDriver {
  private value: Registration = { state: 'signed-out' };
  private timer: unknown;
  /** The `nextRetryAt` the timer is armed for. */
  private timerAt: number | undefined;

  /**
   * `publish` hears every new state; `onRetry` runs when the timer has moved `waiting` to
   * `connecting`, to start the try.
   */
  constructor(
    private readonly publish: (r: Registration) => void,
    private readonly onRetry: () => void,
    private readonly clock: Clock = systemClock,
  ) {}

  get current(): Registration {
    return this.value;
  }

  can(type: RegistrationEvent['type']): boolean {
    return canApply(this.value, type);
  }

  /** One move; throws `InvalidState` when the current state does not take the event. */
  apply(event: RegistrationEvent): Registration {
    this.value = transition(this.value, event);
    this.syncTimer();
    this.publish(this.value);
    return this.value;
  }

  /** The connection or the registration was lost: wait out the backoff, or the network. */
  lost(reason: string, online: boolean): Registration {
    return this.apply({ type: 'lost', reason, online, at: this.clock.now(), jitter: this.clock.random() });
  }

  private syncTimer(): void {
    const at = this.value.state === 'waiting' ? this.value.nextRetryAt : undefined;
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.apply({ type: 'retry' });
      this.onRetry();
    }, Math.max(0, at - this.clock.now()));
  }
}
