import type { CallRecord } from '../worker/api.ts';

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
