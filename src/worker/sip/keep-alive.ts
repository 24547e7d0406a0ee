/**
 * Notices a connection to the PBX that died without a word. After a network change the WebSocket
 * can stay "open" for many minutes while nothing gets through (no FIN, no RST), and sip.js's CRLF
 * pings do not notice: it never checks that the server answered them. So, while registered, the
 * hub asks the server something (`ping`, an OPTIONS) every `intervalMs`; an answer that does not
 * come within `timeoutMs` means the connection is dead (`onDead`), and the phone drops it and
 * connects anew. A silent death is noticed within `intervalMs + timeoutMs` (25 s).
 */

export interface KeepAlivePolicy {
  intervalMs: number;
  timeoutMs: number;
}

/** One OPTIONS every 15 s is a small cost to a PBX; 15 + 10 s keeps detection under 30 s. */
export const KEEP_ALIVE: KeepAlivePolicy = { intervalMs: 15_000, timeoutMs: 10_000 };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class KeepAlive {
  /** Bumped by every start and stop, so a ping's late answer from an earlier run changes nothing. */
  private run = 0;
  private timer: unknown;

  /**
   * `ping` resolves when the server answered (any response: the path works), and rejects when the
   * request could not be sent. `onDead` is called once per run, with the reason, and the run stops.
   */
  constructor(
    private readonly ping: () => Promise<void>,
    private readonly onDead: (reason: string) => void,
    private readonly policy: KeepAlivePolicy = KEEP_ALIVE,
    private readonly timers: Timers = globalTimers,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or restarts) pinging: the first ping is one interval from now. */
  start(): void {
    this.stop();
    this.schedule(this.run);
  }

  stop(): void {
    this.run++;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(run: number): void {
    this.timer = this.timers.setTimeout(() => this.probe(run), this.policy.intervalMs);
  }

  private probe(run: number): void {
    if (run !== this.run) return;
    const dead = (reason: string) => {
      if (run !== this.run) return;
      this.stop();
      this.onDead(reason);
    };
    this.timer = this.timers.setTimeout(
      () => dead(`No answer from the server for ${Math.round(this.policy.timeoutMs / 1000)} s`),
      this.policy.timeoutMs,
    );
    this.ping().then(
      () => {
        if (run !== this.run) return;
        this.timers.clearTimeout(this.timer);
        this.schedule(run);
      },
      (error: unknown) => dead(`The connection to the server failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}
