/**
 * What becomes of calls when the connection to the PBX is lost mid-call (the PBX crashed or
 * restarted, or the network changed). The audio may well go on (it does not pass through the
 * WebSocket), but the dialog cannot be trusted: so each call says at once that the connection was
 * lost, and then:
 * - if the phone is registered again within `GRACE_MS`, each connected call is re-INVITEd over the
 *   new connection; if the other side answers, the call goes on (and the re-INVITE has told the
 *   PBX where to find us now); if not, it ends as `interrupted`, saying why;
 * - if not, every call that lost the connection ends, connected ones as `interrupted`.
 * Calls still ringing or dialing are left to their own end (a cancel, a timeout) once the phone is
 * back, and end with the rest when it is not.
 */

/** Long enough for a PBX restart (a few seconds) and the first retries of the backoff. */
export const GRACE_MS = 20_000;

export const LOST_REASON = 'The connection to the server was lost';
export const NOT_CONTINUED_REASON = 'The connection to the server was lost, and the call could not continue';

export interface GraceCall {
  id: string;
  /** Connected (active or held), as opposed to ringing or dialing. */
  connected: boolean;
}

export interface GraceHooks {
  /** The calls in progress now. */
  calls(): GraceCall[];
  /** Say on the call that the connection was lost. */
  lost(id: string): Promise<void>;
  /** Say on the call that the connection is back (and, for a connected call, the dialog too). */
  back(id: string): Promise<void>;
  /** Re-INVITE over the new connection; resolves once the other side accepted, rejects otherwise. */
  resume(id: string): Promise<void>;
  /** End the call, giving the reason (the outcome follows from its state). */
  end(id: string, reason: string): void;
}

export class ConnectionGrace {
  private readonly lostIds = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly hooks: GraceHooks,
    private readonly graceMs = GRACE_MS,
  ) {}

  /** The connection is gone: tell every call, and start the grace (once per loss). */
  connectionLost(): void {
    for (const call of this.hooks.calls()) {
      if (this.lostIds.has(call.id)) continue;
      this.lostIds.add(call.id);
      void this.hooks.lost(call.id).catch(() => undefined);
    }
    if (this.lostIds.size && this.timer === undefined) {
      this.timer = setTimeout(() => this.expire(), this.graceMs);
    }
  }

  /** Registered again: carry on the calls that can, end those that cannot. */
  async connectionBack(): Promise<void> {
    this.clear();
    const lost = new Set(this.lostIds);
    this.lostIds.clear();
    for (const call of this.hooks.calls()) {
      if (!lost.has(call.id)) continue;
      if (!call.connected) {
        await this.hooks.back(call.id).catch(() => undefined);
        continue;
      }
      try {
        await this.hooks.resume(call.id);
        await this.hooks.back(call.id).catch(() => undefined);
      } catch {
        this.hooks.end(call.id, NOT_CONTINUED_REASON);
      }
    }
  }

  /** A call that ended by itself needs nothing more. */
  forget(id: string): void {
    this.lostIds.delete(id);
    if (!this.lostIds.size) this.clear();
  }

  stop(): void {
    this.clear();
    this.lostIds.clear();
  }

  private expire(): void {
    this.timer = undefined;
    const lost = new Set(this.lostIds);
    this.lostIds.clear();
    for (const call of this.hooks.calls()) if (lost.has(call.id)) this.hooks.end(call.id, LOST_REASON);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
