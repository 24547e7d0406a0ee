import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/api.ts';
import { dayKey, dayLabel, outcomeLabel } from '../../src/components/format.ts';

const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();

describe('history grouping and labels', () => {
  const now = at(2026, 3, 2, 0, 30);

  it('groups by the local calendar day, across midnight', () => {
    expect(dayKey(at(2026, 3, 1, 23, 59))).to.not.equal(dayKey(at(2026, 3, 2, 0, 1)));
    expect(dayKey(at(2026, 3, 2, 0, 1))).to.equal(dayKey(at(2026, 3, 2, 23, 59)));
  });

  it('names today, yesterday (also across a month end), then dates with the year only when it differs', () => {
    expect(dayLabel(at(2026, 3, 2, 0, 10), now)).to.equal('Today');
    expect(dayLabel(at(2026, 3, 1, 23, 0), now)).to.equal('Yesterday');
    expect(dayLabel(at(2026, 2, 28, 9), now)).to.equal(new Date(at(2026, 2, 28, 9)).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' }));
    expect(dayLabel(at(2025, 12, 31, 9), now)).to.include('2025');
    expect(dayLabel(at(2026, 2, 27, 9), now)).to.not.include('2026');
  });

  it('says what happened to a call, or where a live one is', () => {
    const call = (state: CallRecord['state'], outcome?: CallRecord['outcome']) => ({ state, outcome }) as CallRecord;
    expect(outcomeLabel(call('ended', 'voicemail'))).to.equal('sent to voicemail');
    expect(outcomeLabel(call('ended', 'missed'))).to.equal('missed');
    expect(outcomeLabel(call('ringing'))).to.equal('ringing');
  });
});
