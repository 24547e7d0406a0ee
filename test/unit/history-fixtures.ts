// Call records for the history tests: complete, as the hub writes them.
import type { CallRecord } from '../../src/shared/api.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';

let n = 0;
export const BASE = Date.UTC(2026, 0, 1);

export function call(i: number, o: Partial<CallRecord> = {}): CallRecord {
  const at = o.startedAt ?? BASE + i * 60_000;
  return {
    id: `call-${String(i).padStart(5, '0')}`,
    sipCallId: `${i}@pbx`,
    direction: 'inbound',
    state: 'ended',
    outcome: 'answered',
    remote: { number: '+441632960123', uri: 'sip:+441632960123@pbx' },
    local: { uri: 'sip:1001@pbx' },
    events: [{ type: 'ringing', at }, { type: 'answered', at: at + 3000 }, { type: 'ended', at: at + 63_000 }],
    startedAt: at,
    answeredAt: at + 3000,
    endedAt: at + 63_000,
    ringSeconds: 3,
    talkSeconds: 60,
    secure: true,
    muted: false,
    media: 'connected',
    version: 3,
    provenance: { state: { by: 'pbx', at: at + 63_000 } },
    ...o,
  };
}

export async function freshStore(prefix = 'test-history'): Promise<CallStore> {
  return CallStore.open(`${prefix}-${Date.now()}-${n++}`);
}

