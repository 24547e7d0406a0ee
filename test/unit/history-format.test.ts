import { expect } from 'chai';
import type { CallRecord } from '../../src/shared/api.ts';
import { dateTime, dayKey, dayLabel, outcomeLabel, setDisplay, shownTimeZone, timeOfDay } from '../../src/components/format.ts';

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

describe('the time zone and clock the settings choose', () => {
  // 22:30 UTC on 15 June: already the 16th in Tokyo, still the 15th in New York.
  const t = Date.UTC(2026, 5, 15, 22, 30);
  afterEach(() => void setDisplay({}));

  it('groups and labels days in the chosen zone', () => {
    const now = Date.UTC(2026, 5, 16, 12, 0);
    setDisplay({ timeZone: 'Asia/Tokyo' });
    expect(dayLabel(t, now)).to.equal('Today');
    setDisplay({ timeZone: 'America/New_York' });
    expect(dayLabel(t, now)).to.equal('Yesterday');
    expect(shownTimeZone()).to.equal('America/New_York');
  });

  it('shows times in the zone, on a 12- or 24-hour clock', () => {
    setDisplay({ timeZone: 'Asia/Tokyo', hourCycle: 'h23' });
    expect(timeOfDay(t)).to.match(/^07:30$/);
    setDisplay({ timeZone: 'America/New_York', hourCycle: 'h12' });
    expect(timeOfDay(t)).to.match(/^0?6:30\s?PM$/i);
    expect(dateTime(t)).to.match(/Jun 15, 2026.*6:30:00\sPM/);
  });

  it('"yesterday" holds across a daylight-saving change (a 23-hour day)', () => {
    setDisplay({ timeZone: 'Europe/London' });
    // 29 March 2026: clocks go forward at 01:00 UTC; 00:30 on the 30th, local time (23:30 UTC on the 29th).
    const justAfterMidnight = Date.UTC(2026, 2, 29, 23, 30);
    expect(dayLabel(Date.UTC(2026, 2, 29, 12), justAfterMidnight)).to.equal('Yesterday');
    expect(dayLabel(Date.UTC(2026, 2, 28, 12), justAfterMidnight)).to.not.equal('Yesterday');
  });
});
