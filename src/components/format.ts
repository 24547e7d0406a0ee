import type { CallRecord } from '../shared/api.ts';

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

const outcomeText: Record<string, string> = {
  answered: 'answered',
  missed: 'missed',
  declined: 'declined',
  busy: 'busy',
  failed: 'failed',
  cancelled: 'cancelled',
  voicemail: 'sent to voicemail',
  interrupted: 'interrupted',
};

/** "Incoming, missed", "Outgoing, answered", "Incoming, ringing". */
export function describe(call: CallRecord): string {
  const dir = call.direction === 'inbound' ? 'Incoming' : 'Outgoing';
  const what = call.state === 'ended' ? (outcomeText[call.outcome ?? ''] ?? call.outcome) : call.state;
  return `${dir}, ${what}`;
}

/** "answered", "missed", "sent to voicemail"; the state while the call is not over. */
export function outcomeLabel(call: CallRecord): string {
  return call.state === 'ended' ? (outcomeText[call.outcome ?? ''] ?? call.outcome ?? 'ended') : call.state;
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
  return true;
}

/** The time zone times are shown in. */
export function shownTimeZone(): string {
  return display.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

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
  const parts = Object.fromEntries(format('day', { year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The day before `now`'s, in the shown zone: stepped back by half days, as no day is shorter than 23 hours. */
function yesterdayKey(now: number): string {
  const today = dayKey(now);
  let t = now;
  while (dayKey(t) === today) t -= 12 * 60 * 60 * 1000;
  return dayKey(t);
}

/** "Today", "Yesterday", "Monday 23 November" (with the year when it is not this year). */
export function dayLabel(at: number, now = Date.now()): string {
  const key = dayKey(at);
  if (key === dayKey(now)) return 'Today';
  if (key === yesterdayKey(now)) return 'Yesterday';
  const sameYear = key.slice(0, 4) === dayKey(now).slice(0, 4);
  return sameYear
    ? format('long day', { weekday: 'long', day: 'numeric', month: 'long' }).format(at)
    : format('long day and year', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at);
}

export function time(at: number, now = Date.now()): string {
  return dayKey(at) === dayKey(now)
    ? timeOfDay(at)
    : format('date and time', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(at);
}

export function timeOfDay(at: number): string {
  return format('time', { hour: '2-digit', minute: '2-digit' }).format(at);
}

/** Date and time in full, for the call detail. */
export function dateTime(at: number): string {
  return format('full', { dateStyle: 'medium', timeStyle: 'medium' }).format(at);
}

/** "Gmail", "webhook 1": a destination as the user reads it. */
export function destinationName(to: string): string {
  return to === 'gmail' ? 'Gmail' : to.replace(/^webhook-(\d+)$/, 'webhook $1');
}

/**
 * Where a call was logged, one line per destination: "Logged to Gmail", "Waiting to log to webhook 1:
 * …", "Not logged: you chose not to". Before it is final: when it will be. Nothing for a lookup.
 */
export function logLines(call: CallRecord): string[] {
  if (call.kind === 'lookup' || call.state !== 'ended') return [];
  if (call.finalAt === undefined) {
    if (call.dontLog) return ['Will not be logged: you chose not to'];
    return call.wrapUntil === undefined ? [] : [`Logged when the wrap-up ends (${time(call.wrapUntil)}), or at Done`];
  }
  const entries = Object.entries(call.log ?? {});
  if (!entries.length) return [];
  const skipped = entries.find(([, e]) => e.status === 'skipped');
  if (skipped && entries.every(([, e]) => e.status === 'skipped')) return [`Not logged: ${lower(skipped[1].reason ?? 'skipped')}`];
  return entries.map(([to, e]) => {
    const name = destinationName(to);
    if (e.status === 'sent') return `Logged to ${name}`;
    if (e.status === 'failed') return `Not logged to ${name}: ${e.reason ?? 'it was refused'}`;
    if (e.status === 'skipped') return `Not logged to ${name}: ${lower(e.reason ?? 'skipped')}`;
    return `Waiting to log to ${name}${e.reason ? `: ${e.reason}` : ''}`;
  });
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** One word for a history row: "Logged", "Not logged", "Waiting to log"; nothing before final. */
export function logBadge(call: CallRecord): string {
  if (call.finalAt === undefined || !call.log) return '';
  const statuses = Object.values(call.log).map((e) => e.status);
  if (!statuses.length) return '';
  if (statuses.includes('pending')) return 'Waiting to log';
  if (statuses.every((s) => s === 'sent')) return 'Logged';
  return statuses.includes('sent') ? 'Partly logged' : 'Not logged';
}
