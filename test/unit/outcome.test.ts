import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/api.ts';
import { describe as historyLine } from '../../src/components/format.ts';
import { newCallRecord, transition } from '../../src/worker/calls/call-state.ts';
import { outcomeOf, type CallEnd } from '../../src/worker/calls/outcome.ts';

/** A call that reached `state`, then ended the way `end` says, as the history stores it. */
function ended(direction: CallRecord['direction'], state: CallRecord['state'], end: Omit<CallEnd, 'direction' | 'state'>): CallRecord {
  let r = newCallRecord({
    id: 'c1', sipCallId: 'abc@host', direction, secure: false, at: 1_000_000,
    remote: { number: '+441632960123', uri: 'sip:+441632960123@pbx' }, local: { uri: 'sip:1001@pbx' },
  });
  if (state === 'active' || state === 'held') r = { ...r, ...transition(r, { type: 'answered' }, 1_005_000) };
  if (state === 'held') r = { ...r, ...transition(r, { type: 'held' }, 1_010_000) };
  const { outcome, reason } = outcomeOf({ direction, state: r.state, ...end });
  return { ...r, ...transition(r, { type: 'ended', outcome, reason }, 1_065_000) };
}

// Every way a call ends, from both sides: what sip.js reports (the record's state, what the user did,
// the final response) and what the history then says.
const ends: [string, CallRecord['direction'], CallRecord['state'], Omit<CallEnd, 'direction' | 'state'>, string, string | undefined][] = [
  // Incoming
  ['the caller cancels while it rings', 'inbound', 'ringing', {}, 'Incoming, missed', 'The caller hung up before anyone answered'],
  ['the user declines (603)', 'inbound', 'ringing', { intent: 'decline' }, 'Incoming, declined', 'You declined'],
  ['the user sends it to voicemail (486)', 'inbound', 'ringing', { intent: 'voicemail' }, 'Incoming, sent to voicemail', 'Sent to voicemail'],
  ['the caller hangs up (BYE) after the answer', 'inbound', 'active', {}, 'Incoming, answered', 'The other party hung up'],
  ['the caller hangs up (BYE) while on hold', 'inbound', 'held', {}, 'Incoming, answered', 'The other party hung up'],
  ['the user hangs up (BYE) after the answer', 'inbound', 'active', { intent: 'hangup' }, 'Incoming, answered', 'You hung up'],
  ['the user transfers it', 'inbound', 'active', { intent: 'transfer' }, 'Incoming, answered', 'Transferred'],
  // Outgoing
  ['the user cancels before the answer', 'outbound', 'dialing', { intent: 'cancel' }, 'Outgoing, cancelled', 'You cancelled'],
  ['486 Busy Here', 'outbound', 'dialing', { rejectCode: 486, rejectReason: '486 Busy Here' }, 'Outgoing, busy', '486 Busy Here'],
  ['600 Busy Everywhere', 'outbound', 'dialing', { rejectCode: 600, rejectReason: '600 Busy Everywhere' }, 'Outgoing, busy', '600 Busy Everywhere'],
  ['603 Decline', 'outbound', 'dialing', { rejectCode: 603, rejectReason: '603 Decline' }, 'Outgoing, declined', '603 Decline'],
  ['480 Temporarily Unavailable', 'outbound', 'dialing', { rejectCode: 480, rejectReason: '480 Temporarily Unavailable' }, 'Outgoing, failed', '480 Temporarily Unavailable'],
  ['404 Not Found', 'outbound', 'dialing', { rejectCode: 404, rejectReason: '404 Not Found' }, 'Outgoing, failed', '404 Not Found'],
  ['the INVITE fails with no response', 'outbound', 'dialing', { rejectReason: 'Request timeout' }, 'Outgoing, failed', 'Request timeout'],
  ['it ends before the answer with nothing said', 'outbound', 'dialing', {}, 'Outgoing, failed', 'No answer'],
  ['the callee hangs up (BYE) after the answer', 'outbound', 'active', {}, 'Outgoing, answered', 'The other party hung up'],
  ['the user hangs up (BYE) after the answer', 'outbound', 'active', { intent: 'hangup' }, 'Outgoing, answered', 'You hung up'],
  ['the user hangs up (BYE) while on hold', 'outbound', 'held', { intent: 'hangup' }, 'Outgoing, answered', 'You hung up'],
  ['the user transfers it', 'outbound', 'active', { intent: 'transfer' }, 'Outgoing, answered', 'Transferred'],
  ['the callee transfers the user (REFER) after the answer', 'outbound', 'active', { intent: 'transfer' }, 'Outgoing, answered', 'Transferred'],
  // The connection to the PBX took the call with it (connection-grace.ts)
  ['the connection to the PBX is lost while it rings', 'inbound', 'ringing', { intent: 'lost' }, 'Incoming, missed', 'The connection to the server was lost'],
  ['the connection to the PBX is lost while dialing', 'outbound', 'dialing', { intent: 'lost' }, 'Outgoing, failed', 'The connection to the server was lost'],
  ['the connection to the PBX is lost and the call cannot go on', 'inbound', 'active', { intent: 'lost', lostReason: 'The connection to the server was lost, and the call could not continue' }, 'Incoming, interrupted', 'The connection to the server was lost, and the call could not continue'],
  ['the connection to the PBX is lost on hold', 'outbound', 'held', { intent: 'lost' }, 'Outgoing, interrupted', 'The connection to the server was lost'],
];

describe('how a call ended, as the history tells it', () => {
  for (const [how, direction, state, end, line, reason] of ends) {
    it(`${direction}: ${how} → "${line}"`, () => {
      const r = ended(direction, state, end);
      expect(historyLine(r)).to.equal(line);
      expect(r.reason).to.equal(reason);
      const answered = state === 'active' || state === 'held';
      // Talk time only for an answered call, ring time for every one.
      expect(r.talkSeconds).to.equal(answered ? 60 : undefined);
      expect(r.ringSeconds).to.equal(answered ? 5 : 65);
    });
  }

  it('an answered call stays answered whatever the user meant before it was answered', () => {
    // A decline that lost the race with the answer in another tab.
    expect(outcomeOf({ direction: 'inbound', state: 'active', intent: 'decline' }).outcome).to.equal('answered');
    // A 486 that arrived after the answer does not make a talked call busy.
    expect(outcomeOf({ direction: 'outbound', state: 'active', rejectCode: 486 }).outcome).to.equal('answered');
  });
});
