/**
 * The call logging benchmark's seeding page, served on the app's origin. It never starts the hub: it
 * opens the site's database with the hub's own CallStore (so the schema version, the search entries
 * and the stores are the build's) and writes `count` final calls, each with a pending entry per
 * destination in its `log` and one `deliveries` row per destination, as wrap-up.ts leaves a call made
 * final while no destination could be reached. The panel opened afterwards finds them as a backlog.
 */
import type { CallOutcome, CallRecord } from '../../src/shared/api.ts';
import { CallStore, type Delivery } from '../../src/worker/store/call-store.ts';

declare global {
  interface Window {
    seed: typeof seed;
  }
}

const NAMES = ['Olivia Smith', 'Noah Jones', 'Amelia Taylor', 'Oliver Brown', 'Isla Williams', 'George Wilson', 'Ava Patel', 'Arthur Wright', 'Mia Khan', 'Leo Müller'];
const FIRMS = ['Acme Ltd', 'Northwind GmbH', 'Contoso Inc', 'Globex Logistics', undefined];
const LABELS = ['vip', 'support', 'billing'];

/** Call `i` of `count`: call 0 is the oldest, the newest ended an hour ago, about 10 minutes apart. */
function finalCall(i: number, count: number, destinations: string[], now: number): CallRecord {
  const inbound = i % 5 < 3;
  const x = (i * 7919) % 100;
  const outcome: CallOutcome = inbound ? (x < 70 ? 'answered' : x < 90 ? 'missed' : 'voicemail') : x < 80 ? 'answered' : 'busy';
  const answered = outcome === 'answered';
  const at = now - 3_600_000 - (count - i) * 600_000;
  const ring = 2 + (i % 20);
  const talk = answered ? 10 + ((i * 37) % 900) : undefined;
  const end = at + (ring + (talk ?? 0)) * 1000;
  const final = end + 120_000;
  const number = i % 10 < 8 ? `+4416329${String(60000 + (i % 1000)).padStart(5, '0')}` : String(1000 + (i % 200));
  const name = NAMES[i % NAMES.length]!;
  const company = FIRMS[i % FIRMS.length];
  const record: CallRecord = {
    id: `bench-log-${String(i).padStart(5, '0')}`,
    kind: 'call',
    sipCallId: `${i.toString(36)}-${at}@pbx.example.com`,
    direction: inbound ? 'inbound' : 'outbound',
    state: 'ended',
    outcome,
    remote: { number, displayName: name, uri: `sip:${number}@pbx.example.com` },
    local: { uri: 'sip:1001@pbx.example.com', displayName: 'Reception' },
    startedAt: at,
    endedAt: end,
    events: [{ type: inbound ? 'ringing' : 'dialing', at }, ...(answered ? [{ type: 'answered' as const, at: at + ring * 1000 }] : []), { type: 'ended', at: end }],
    ringSeconds: ring,
    secure: true,
    muted: false,
    media: answered ? 'connected' : 'none',
    finalAt: final,
    log: Object.fromEntries(destinations.map((to) => [to, { status: 'pending' as const, at: final }])),
    contact: { name, ...(company ? { company } : {}) },
    version: 6,
    provenance: {
      state: { by: 'pbx', at: end },
      finalAt: { by: 'pbx', at: final },
      log: { by: 'pbx', at: final },
      'contact.name': { by: 'crm', at: at + 500 },
    },
  };
  if (answered) record.answeredAt = at + ring * 1000;
  if (talk !== undefined) record.talkSeconds = talk;
  if (i % 3 === 0) {
    record.notes = `Called about order ${10_000 + i}; wants a callback next week with the revised quote.`;
    record.provenance.notes = { by: 'user', at: end + 30_000 };
  }
  // One call in ten carries a label the user typed: Gmail files it under that label too (created once).
  if (i % 10 === 0) {
    record.labels = [LABELS[(i / 10) % LABELS.length]!];
    record.provenance.labels = { by: 'user', at: end + 40_000 };
  }
  return record;
}

/** Writes `count` final calls and their deliveries; resolves with what was written and how long it took. */
async function seed(count: number, destinations: string[]) {
  const t = performance.now();
  const store = await CallStore.open();
  try {
    const now = Date.now();
    const records = Array.from({ length: count }, (_, i) => finalCall(i, count, destinations, now));
    // Records with their search entries, through the hub's own write (putMany: calls + search).
    for (let i = 0; i < records.length; i += 500) await store.putMany(records.slice(i, i + 500));
    // The outbox rows wrap-up.ts queues with a final call: due when the call became final.
    const deliveries: Delivery[] = records.flatMap((r) => destinations.map((to) => ({ callId: r.id, to, queuedAt: r.finalAt!, due: r.finalAt!, attempts: 0 })));
    const tx = store.db.transaction('deliveries', 'readwrite');
    await Promise.all([...deliveries.map((d) => tx.store.put(d)), tx.done]);
    return { calls: await store.count(), deliveries: await store.countDeliveries(), ms: performance.now() - t };
  } finally {
    store.close();
  }
}

window.seed = seed;
document.querySelector('[role=status]')!.textContent = 'Ready';
