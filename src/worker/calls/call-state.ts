/**
 * The call state machine: every SIP event becomes one validated transition of a call record.
 *
 * ```
 *  inbound:   ringing ──answered──▶ active ──held──▶ held
 *                │                    ▲  ◀─resumed──┘ │
 *                │                    │               │
 *  outbound:  dialing ──answered──────┘               │
 *                │                    │               │
 *                └───────── ended ◀───┴───────────────┘
 *                 (outcome: missed, declined, voicemail, cancelled, busy, failed, answered, interrupted)
 * ```
 * `ended` is final. Events that do not move the state (muted, transferred, media-handover, and the
 * connection to the PBX lost and back) are recorded in `events` only.
 */
import type { CallEvent, CallOutcome, CallRecord, CallState, Party } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';

export type Transition =
  | { type: 'answered' }
  | { type: 'held' }
  | { type: 'resumed' }
  | { type: 'ended'; outcome: CallOutcome; reason?: string }
  | { type: 'muted' | 'unmuted' | 'transferred' | 'forwarded' | 'media-handover' | 'connection-lost' | 'reconnected'; detail?: string };

const allowed: Record<CallState, readonly Transition['type'][]> = {
  ringing: ['answered', 'ended', 'forwarded', 'connection-lost', 'reconnected'],
  dialing: ['answered', 'ended', 'forwarded', 'connection-lost', 'reconnected'],
  active: ['held', 'ended', 'muted', 'unmuted', 'transferred', 'media-handover', 'connection-lost', 'reconnected'],
  held: ['resumed', 'ended', 'muted', 'unmuted', 'transferred', 'media-handover', 'connection-lost', 'reconnected'],
  ended: [],
};

const nextState: Partial<Record<Transition['type'], CallState>> = {
  answered: 'active',
  held: 'held',
  resumed: 'active',
  ended: 'ended',
};

export function isLive(record: Pick<CallRecord, 'state'>): boolean {
  return record.state !== 'ended';
}

export function canTransition(record: Pick<CallRecord, 'state'>, type: Transition['type']): boolean {
  return allowed[record.state].includes(type);
}

/** Monotonic milliseconds since the call started and was answered (call-clock.ts), where known. */
export interface Elapsed {
  sinceStart?: number;
  sinceAnswer?: number;
}

/**
 * The PBX-owned fields a transition changes. Ring and talk seconds come from `elapsed` where it
 * has them, else from the differences of the wall-clock times. Throws `InvalidState` when the transition is not
 * allowed from the record's current state.
 */
export function transition(record: CallRecord, t: Transition, at: number, elapsed: Elapsed = {}): Partial<CallRecord> {
  if (!canTransition(record, t.type)) {
    throw hubError('InvalidState', `Call ${record.id} is ${record.state}; it cannot become '${t.type}'`);
  }
  const event: CallEvent = { type: t.type, at };
  if ('detail' in t && t.detail) event.detail = t.detail;
  if (t.type === 'ended' && t.reason) event.detail = t.reason;
  const changes: Partial<CallRecord> = { events: [...record.events, event] };
  const state = nextState[t.type];
  if (state) changes.state = state;

  switch (t.type) {
    case 'answered':
      changes.answeredAt = at;
      changes.ringSeconds = seconds(elapsed.sinceStart ?? at - record.startedAt);
      break;
    case 'muted':
    case 'unmuted':
      changes.muted = t.type === 'muted';
      break;
    case 'ended':
      changes.endedAt = at;
      changes.outcome = t.outcome;
      if (t.reason) changes.reason = t.reason;
      changes.muted = false;
      if (record.answeredAt !== undefined) {
        changes.talkSeconds = seconds(elapsed.sinceAnswer ?? at - record.answeredAt);
      } else {
        changes.ringSeconds = seconds(elapsed.sinceStart ?? at - record.startedAt);
      }
      break;
    default:
      break;
  }
  return changes;
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

export interface NewCall {
  id: string;
  sipCallId: string;
  direction: CallRecord['direction'];
  remote: Party;
  local: CallRecord['local'];
  secure: boolean;
  at: number;
}

export function newCallRecord(c: NewCall): CallRecord {
  const state: CallState = c.direction === 'inbound' ? 'ringing' : 'dialing';
  return {
    id: c.id,
    sipCallId: c.sipCallId,
    direction: c.direction,
    state,
    remote: c.remote,
    local: c.local,
    events: [{ type: state, at: c.at }],
    startedAt: c.at,
    secure: c.secure,
    muted: false,
    media: 'none',
    version: 1,
    provenance: {},
  };
}

/** A record left live by a crash is closed as interrupted when the hub starts again. */
export function interrupt(record: CallRecord, at: number): Partial<CallRecord> {
  const end = Math.max(record.startedAt, lastEventAt(record));
  return {
    ...transition(record, { type: 'ended', outcome: 'interrupted', reason: 'The app closed during the call' }, end),
    // Keep when it was noticed, separately from when the call was last seen alive.
    events: [
      ...record.events,
      { type: 'ended', at: end, detail: `Interrupted; found at restart ${new Date(at).toISOString()}` },
    ],
  };
}

function lastEventAt(record: CallRecord): number {
  return record.events.reduce((max, e) => Math.max(max, e.at), record.startedAt);
}
