/**
 * How a call ended, as the history tells it: from the call's direction, whether it was answered,
 * what the user did to end it, and the final response the other side sent.
 */
import type { CallOutcome, CallRecord } from '../../shared/api.ts';

/** Why we ended a call ourselves, so the outcome says what the user did. */
export type EndIntent = 'decline' | 'voicemail' | 'cancel' | 'hangup' | 'transfer' | 'lost';

export interface CallEnd {
  direction: CallRecord['direction'];
  /** The record's state when the session ended. */
  state: CallRecord['state'];
  intent?: EndIntent;
  /** The final response to our INVITE, e.g. 486. */
  rejectCode?: number;
  /** "486 Busy Here", or why the INVITE failed without a response. */
  rejectReason?: string;
  /** With intent `lost`: why the connection to the PBX took the call with it. */
  lostReason?: string;
}

export function outcomeOf(end: CallEnd): { outcome: CallOutcome; reason?: string } {
  if (end.intent === 'lost') {
    const reason = end.lostReason ?? 'The connection to the server was lost';
    if (end.state === 'active' || end.state === 'held') return { outcome: 'interrupted', reason };
    return { outcome: end.direction === 'inbound' ? 'missed' : 'failed', reason };
  }
  if (end.state === 'active' || end.state === 'held') {
    if (end.intent === 'transfer') return { outcome: 'answered', reason: 'Transferred' };
    return { outcome: 'answered', reason: end.intent === 'hangup' ? 'You hung up' : 'The other party hung up' };
  }
  if (end.direction === 'inbound') {
    if (end.intent === 'decline') return { outcome: 'declined', reason: 'You declined' };
    if (end.intent === 'voicemail') return { outcome: 'voicemail', reason: 'Sent to voicemail' };
    return { outcome: 'missed', reason: 'The caller hung up before anyone answered' };
  }
  if (end.intent === 'cancel') return { outcome: 'cancelled', reason: 'You cancelled' };
  const code = end.rejectCode;
  if (code === 486 || code === 600) return { outcome: 'busy', reason: end.rejectReason };
  if (code === 603) return { outcome: 'declined', reason: end.rejectReason };
  return { outcome: 'failed', reason: end.rejectReason ?? 'No answer' };
}
