/**
 * Registration with the PBX as a state machine: sign-in, the REGISTER's answer, a lost connection,
 * the retry timer and the network going and coming are each one validated move, and the status
 * every tab shows is derived from the state (`statusOf`).
 *
 * ```
 *  signed-out ──sign-in──▶ connecting ──registered──▶ registered
 *                           │  │  ▲                      │
 *             rejected      │  │  │ retry,               │ lost
 *  failed ◀─────────────────┘  │  │ network-up           │
 *    │                   lost  ▼  │                      │
 *    └──sign-in──▶ connecting  waiting ◀─────────────────┘
 *                              │
 *                              │ network-down
 *                              ▼
 *                            offline ──network-up──▶ connecting
 *
 *  connecting and registered go offline too, on network-down or on a lost with no network.
 *  sign-out: from every state but signed-out, to signed-out.
 * ```
 * `waiting` is the only state with a retry timer (its `nextRetryAt`): `offline` has none, since a
 * try without a network can only fail; the browser's `online` event (`network-up`) tries at once.
 * A `lost` while waiting or offline is the same loss reported twice (the transport and the
 * request both fail) and is not a move: callers ask `canApply` first.
 */
import type { HubStatus } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';

export interface Account {
  aor: string;
  server: string;
  displayName?: string;
}

export type Registration =
  | { state: 'signed-out' }
  /** A connect and REGISTER in flight; `attempt` counts the failures since the last success. */
  | { state: 'connecting'; account: Account; attempt: number; reason?: string }
  | { state: 'registered'; account: Account }
  /** Lost; the next try is at `nextRetryAt`. */
  | { state: 'waiting'; account: Account; attempt: number; reason: string; nextRetryAt: number }
  /** The device has no network: no tries until it is back. */
  | { state: 'offline'; account: Account; attempt: number; reason: string }
  /** The PBX refused the credentials: nothing more until the user signs in again. */
  | { state: 'failed'; account: Account; reason: string };

export type RegistrationEvent =
  | { type: 'sign-in'; account: Account }
  | { type: 'registered' }
  /** `at` is now and `jitter` a random number in [0, 1), so the move itself stays pure. */
  | { type: 'lost'; reason: string; online: boolean; at: number; jitter: number }
  | { type: 'retry' }
  | { type: 'network-down' }
  | { type: 'network-up' }
  | { type: 'rejected'; reason: string }
  | { type: 'sign-out' };

export const allowed: Record<Registration['state'], readonly RegistrationEvent['type'][]> = {
  'signed-out': ['sign-in'],
  connecting: ['registered', 'lost', 'rejected', 'network-down', 'sign-out'],
  registered: ['lost', 'network-down', 'sign-out'],
  waiting: ['retry', 'network-up', 'network-down', 'sign-out'],
  offline: ['network-up', 'sign-out'],
  failed: ['sign-in', 'sign-out'],
};

export const OFFLINE_REASON = 'This device is offline';

/** Reconnect delays: the window doubles from `baseMs` after every failure, up to `maxMs`. */
export const BACKOFF = { baseMs: 1000, maxMs: 30000 };

/** Exponential backoff with jitter: half the window fixed, half random, so tabs and users do not stampede. */
export function backoffDelay(attempt: number, jitter: number, policy = BACKOFF): number {
  const window = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(window / 2 + (jitter * window) / 2);
}

export function canApply(r: Registration, type: RegistrationEvent['type']): boolean {
  return allowed[r.state].includes(type);
}

/** The next state. Throws `InvalidState` when the event is not allowed in the current one. */
export function transition(r: Registration, e: RegistrationEvent): Registration {
  if (!canApply(r, e.type)) {
    throw hubError('InvalidState', `Registration is ${r.state}; it cannot take '${e.type}'`);
  }
  if (e.type === 'sign-in') return { state: 'connecting', account: e.account, attempt: 0 };
  if (e.type === 'sign-out' || r.state === 'signed-out') return { state: 'signed-out' };
  const { account } = r;
  const attempt = 'attempt' in r ? r.attempt : 0;
  switch (e.type) {
    case 'registered':
      return { state: 'registered', account };
    case 'lost':
      if (!e.online) return { state: 'offline', account, attempt, reason: OFFLINE_REASON };
      return { state: 'waiting', account, attempt: attempt + 1, reason: e.reason, nextRetryAt: e.at + backoffDelay(attempt, e.jitter) };
    case 'retry':
      // Keep showing why the last try failed while this one runs.
      return { state: 'connecting', account, attempt, reason: 'reason' in r ? r.reason : undefined };
    case 'network-down':
      return { state: 'offline', account, attempt, reason: OFFLINE_REASON };
    case 'network-up':
      return { state: 'connecting', account, attempt };
    case 'rejected':
      return { state: 'failed', account, reason: e.reason };
  }
}

/** The status fields the registration owns, every one of them set, so a patch leaves nothing stale. */
export function statusOf(r: Registration): Pick<HubStatus, 'state' | 'aor' | 'server' | 'displayName' | 'reason' | 'nextRetryAt'> {
  const account = r.state === 'signed-out' ? undefined : r.account;
  return {
    state: r.state === 'waiting' ? 'connecting' : r.state,
    aor: account?.aor,
    server: account?.server,
    displayName: account?.displayName,
    reason: 'reason' in r ? r.reason : undefined,
    nextRetryAt: r.state === 'waiting' ? r.nextRetryAt : undefined,
  };
}
