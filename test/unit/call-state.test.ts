import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/api.ts';
import { canTransition, interrupt, newCallRecord, transition } from '../../src/worker/calls/call-state.ts';

function inbound(at = 1_000_000): CallRecord {
  return newCallRecord({
    id: 'c1', sipCallId: 'abc@host', direction: 'inbound', secure: false, at,
    remote: { number: '+441632960123', displayName: 'Ada Lovelace', uri: 'sip:+441632960123@pbx' },
    local: { uri: 'sip:1001@pbx' },
  });
}

describe('call state machine', () => {
  it('starts an inbound call ringing and an outbound call dialing', () => {
    expect(inbound().state).to.equal('ringing');
    const out = newCallRecord({ ...inbound(), direction: 'outbound', at: 5 } as never);
    expect(out.state).to.equal('dialing');
  });

  it('answering records when and how long it rang', () => {
    const r = inbound(1_000_000);
    const c = transition(r, { type: 'answered' }, 1_007_400);
    expect(c.state).to.equal('active');
    expect(c.answeredAt).to.equal(1_007_400);
    expect(c.ringSeconds).to.equal(7);
    expect(c.events?.map((e) => e.type)).to.deep.equal(['ringing', 'answered']);
  });

  it('hold and resume move between active and held', () => {
    let r: CallRecord = { ...inbound(), ...transition(inbound(), { type: 'answered' }, 1_001_000) };
    r = { ...r, ...transition(r, { type: 'held' }, 1_002_000) };
    expect(r.state).to.equal('held');
    r = { ...r, ...transition(r, { type: 'resumed' }, 1_003_000) };
    expect(r.state).to.equal('active');
  });

  it('ending an answered call records talk time and the outcome', () => {
    const a: CallRecord = { ...inbound(), ...transition(inbound(), { type: 'answered' }, 1_001_000) };
    const e = transition(a, { type: 'ended', outcome: 'answered', reason: 'You hung up' }, 1_062_000);
    expect(e.state).to.equal('ended');
    expect(e.outcome).to.equal('answered');
    expect(e.talkSeconds).to.equal(61);
    expect(e.reason).to.equal('You hung up');
  });

  it('an inbound call that ends while ringing is missed with its ring time', () => {
    const e = transition(inbound(1_000_000), { type: 'ended', outcome: 'missed' }, 1_012_000);
    expect(e.outcome).to.equal('missed');
    expect(e.ringSeconds).to.equal(12);
    expect(e.talkSeconds).to.equal(undefined);
  });

  it('refuses a transition the state does not allow, with a named error', () => {
    const r = inbound();
    expect(canTransition(r, 'held')).to.equal(false);
    expect(() => transition(r, { type: 'held' }, 1)).to.throw().with.property('name', 'InvalidState');
    const ended: CallRecord = { ...r, ...transition(r, { type: 'ended', outcome: 'missed' }, 2) };
    expect(() => transition(ended, { type: 'answered' }, 3)).to.throw(/cannot become 'answered'/);
  });

  it('mute is an event, not a state', () => {
    const a: CallRecord = { ...inbound(), ...transition(inbound(), { type: 'answered' }, 1_001_000) };
    const m = transition(a, { type: 'muted' }, 1_002_000);
    expect(m.state).to.equal(undefined);
    expect(m.muted).to.equal(true);
  });

  it('a call left live by a crash is closed as interrupted at its last known moment', () => {
    const a: CallRecord = { ...inbound(1_000_000), ...transition(inbound(1_000_000), { type: 'answered' }, 1_004_000) };
    const i = interrupt(a, 9_000_000);
    expect(i.state).to.equal('ended');
    expect(i.outcome).to.equal('interrupted');
    expect(i.endedAt).to.equal(1_004_000);
  });
});
