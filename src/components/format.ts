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
