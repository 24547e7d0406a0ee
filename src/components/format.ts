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

export function time(at: number, now = Date.now()): string {
  const d = new Date(at);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "answered", "missed", "sent to voicemail"; the state while the call is not over. */
export function outcomeLabel(call: CallRecord): string {
  return call.state === 'ended' ? (outcomeText[call.outcome ?? ''] ?? call.outcome ?? 'ended') : call.state;
}

/** A local calendar day, for grouping: "2026-11-28". */
export function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "Today", "Yesterday", "Monday 23 November" (with the year when it is not this year). */
export function dayLabel(at: number, now = Date.now()): string {
  const key = dayKey(at);
  if (key === dayKey(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (key === dayKey(yesterday.getTime())) return 'Yesterday';
  const d = new Date(at);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) });
}

export function timeOfDay(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Date and time in full, for the call detail. */
export function dateTime(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
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
