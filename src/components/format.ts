import type { CallRecord } from '../shared/api.ts';
import { t } from './strings.ts';

export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

export function who(call: CallRecord): string {
  return call.contact?.name || call.remote.displayName || call.remote.number || call.remote.uri;
}

/**
 * What "Call back" dials: the number the panel shows for the call (E.164, or the extension), through
 * the user's own PBX; the SIP address only for a party with no number. Never the stored URI behind a
 * number on screen: an imported record or a forged From could point it at another domain.
 */
export function callBackTarget(call: CallRecord): string {
  return call.remote.number || call.remote.uri;
}

/** A word of the catalogue by a record's value, or the value itself when the catalogue has none. */
function word(words: object, key: string | undefined): string | undefined {
  return key === undefined ? undefined : ((words as Record<string, string>)[key] ?? key);
}

/** "Incoming" or "Outgoing". */
export function directionLabel(call: CallRecord): string {
  return t.calls.direction[call.direction === 'inbound' ? 'inbound' : 'outbound'];
}

/** "Incoming, missed", "Outgoing, answered", "Incoming, ringing". */
export function describe(call: CallRecord): string {
  const what = call.state === 'ended' ? word(t.calls.outcome, call.outcome) : word(t.calls.state, call.state);
  return t.calls.line(directionLabel(call), what ?? '');
}

/** "answered", "missed", "sent to voicemail"; the state while the call is not over. */
export function outcomeLabel(call: CallRecord): string {
  return call.state === 'ended' ? (word(t.calls.outcome, call.outcome) ?? t.calls.state.ended) : (word(t.calls.state, call.state) ?? '');
}

/**
 * How times are shown: the time zone (the browser's unless the settings name one) and the clock (12 or
 * 24 hours; the language's habit unless set). Every date and time in the panel goes through here.
 */
let display: { timeZone?: string; hour12?: boolean } = {};
const formats = new Map<string, Intl.DateTimeFormat>();

/** Applies the settings' time zone and clock; returns whether anything changed. */
export function setDisplay(settings: { timeZone?: string; hourCycle?: 'h12' | 'h23' }): boolean {
  const next = {
    ...(settings.timeZone ? { timeZone: settings.timeZone } : {}),
    ...(settings.hourCycle ? { hour12: settings.hourCycle === 'h12' } : {}),
  };
  if (next.timeZone === display.timeZone && next.hour12 === display.hour12) return false;
  display = next;
  formats.clear();
  shownTimes = undefined;
  return true;
}

/** The time zone times are shown in. */
export function shownTimeZone(): string {
  return display.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether `Intl` can show a time: ECMAScript's dates end 8.64e15 ms either side of 1970. */
const showable = (at: number) => Number.isFinite(at) && Math.abs(at) <= 8.64e15;

function format(name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = formats.get(name);
  if (!f) {
    const timed = options.hour !== undefined || options.timeStyle !== undefined;
    f = new Intl.DateTimeFormat(undefined, { ...options, timeZone: display.timeZone, ...(timed && display.hour12 !== undefined ? { hour12: display.hour12 } : {}) });
    formats.set(name, f);
  }
  return f;
}

/** A calendar day in the shown time zone, for grouping: "2026-11-28". */
export function dayKey(at: number): string {
  if (!showable(at)) return 'invalid';
  const parts = Object.fromEntries(format('day', { year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The day before `now`'s, in the shown zone: stepped back by half days, as no day is shorter than 23 hours. */
function yesterdayKey(now: number): string {
  const today = dayKey(now);
  let at = now;
  while (dayKey(at) === today) at -= 12 * 60 * 60 * 1000;
  return dayKey(at);
}

/** "Today", "Yesterday", "Monday 23 November" (with the year when it is not this year). */
export function dayLabel(at: number, now = Date.now()): string {
  if (!showable(at)) return t.calls.invalidDate;
  const key = dayKey(at);
  if (key === dayKey(now)) return t.calls.today;
  if (key === yesterdayKey(now)) return t.calls.yesterday;
  const sameYear = key.slice(0, 4) === dayKey(now).slice(0, 4);
  return sameYear
    ? format('long day', { weekday: 'long', day: 'numeric', month: 'long' }).format(at)
    : format('long day and year', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at);
}

/**
 * The times `time()` made in the current minute (and that minute's day): lists ask for the same ones
 * on every render, dozens of times a second on a busy line, and each costs two or three Intl calls.
 */
let shownTimes: { minute: number; today: string; texts: Map<number, string> } | undefined;

export function time(at: number, now = Date.now()): string {
  if (!showable(at)) return t.calls.invalidDate;
  const minute = Math.floor(now / 60_000);
  if (shownTimes?.minute !== minute) shownTimes = { minute, today: dayKey(now), texts: new Map() };
  let text = shownTimes.texts.get(at);
  if (text === undefined) {
    text = dayKey(at) === shownTimes.today
      ? timeOfDay(at)
      : format('date and time', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(at);
    shownTimes.texts.set(at, text);
  }
  return text;
}

export function timeOfDay(at: number): string {
  if (!showable(at)) return t.calls.invalidDate;
  return format('time', { hour: '2-digit', minute: '2-digit' }).format(at);
}

/** Date and time in full, for the call detail. */
export function dateTime(at: number): string {
  if (!showable(at)) return t.calls.invalidDate;
  return format('full', { dateStyle: 'medium', timeStyle: 'medium' }).format(at);
}

/** "Gmail", "webhook 1": a destination as the user reads it. */
export function destinationName(to: string): string {
  if (to === 'gmail') return t.logging.gmail;
  const webhook = /^webhook-(\d+)$/.exec(to);
  return webhook ? t.logging.webhook(webhook[1]!) : to;
}

/**
 * Where a call was logged, one line per destination: "Logged to Gmail", "Waiting to log to webhook 1:
 * …", "Not logged: you chose not to". Before it is final: when it will be. Nothing for a lookup.
 */
export function logLines(call: CallRecord): string[] {
  if (call.kind === 'lookup' || call.state !== 'ended') return [];
  if (call.finalAt === undefined) {
    if (call.dontLog) return [t.logging.willNotLog];
    return call.wrapUntil === undefined ? [] : [t.logging.loggedWhenWrapUpEnds(time(call.wrapUntil))];
  }
  const entries = Object.entries(call.log ?? {});
  if (!entries.length) return [];
  const skipped = entries.find(([, e]) => e.status === 'skipped');
  if (skipped && entries.every(([, e]) => e.status === 'skipped')) return [t.logging.notLogged(lower(skipped[1].reason ?? t.logging.skipped))];
  return entries.map(([to, e]) => {
    const name = destinationName(to);
    if (e.status === 'sent') return t.logging.loggedTo(name);
    if (e.status === 'failed') return t.logging.notLoggedTo(name, e.reason ?? t.logging.refused);
    if (e.status === 'skipped') return t.logging.notLoggedTo(name, lower(e.reason ?? t.logging.skipped));
    return t.logging.waitingFor(name, e.reason);
  });
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** One word for a history row: "Logged", "Not logged", "Waiting to log"; nothing before final. */
export function logBadge(call: CallRecord): string {
  if (call.finalAt === undefined || !call.log) return '';
  const statuses = Object.values(call.log).map((e) => e.status);
  if (!statuses.length) return '';
  if (statuses.includes('pending')) return t.logging.badge.waiting;
  if (statuses.every((s) => s === 'sent')) return t.logging.badge.logged;
  return statuses.includes('sent') ? t.logging.badge.partly : t.logging.badge.not;
}
