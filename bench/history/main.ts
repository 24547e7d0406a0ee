/**
 * The history benchmark's page, served from the same origin as the built app so that it opens the
 * app's hub (`hub.js`, SharedWorker name `patchbay-hub`) as a tab does: its own port, a `tab-<id>`
 * Web Lock held for the page's life, hello. Everything it measures goes through the TabApi, as the
 * history view would, except:
 *   - the naive baseline, which reads the same database itself: `getAll()` of every record, then
 *     filter, sort and slice in memory (what a history without indexes or cursors does);
 *   - write-through inserts, timed on throwaway databases with the hub's CallStore (v2: record plus
 *     search entry) against the v1 schema (record only), one transaction per record as live calls do.
 * With `?cold`, the page asks for the first history page as soon as hello returns, and keeps when.
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { CallOutcome, CallRecord, HistoryQuery, TabApi } from '../../src/shared/api.ts';
import { CallStore } from '../../src/worker/store/call-store.ts';
import { categoryOf, searchable } from '../../src/worker/store/search-index.ts';

declare global {
  interface Window {
    hist: typeof bench;
  }
}

const FIRST = ['Olivia', 'Noah', 'Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Arthur', 'Mia', 'Muhammad', 'Ivy', 'Leo', 'Lily', 'Harry', 'Freya', 'Oscar', 'Florence', 'Archie', 'Sophia', 'Henry', 'Grace', 'Jack', 'Ella', 'Theo', 'Evie', 'Charlie', 'Willow', 'Freddie', 'Rosie', 'Alfie', 'Zoë', 'Chloé', 'Lukas', 'Mateo', 'Sofía', 'Aarav', 'Priya', 'Wei', 'Yuki', 'Fatima'];
const LAST = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Wright', 'Robinson', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Thomas', 'Clarke', 'Jackson', 'Wood', 'Harris', 'Edwards', 'Turner', 'Martin', 'Cooper', 'Hill', 'Ward', 'Hughes', 'Moore', 'Clark', 'King', 'Harrison', 'Lewis', 'Baker', 'Lee', 'Allen', 'Morris', 'Khan', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'García', 'Martínez', 'Rossi', 'Russo', "O'Brien"];
const FIRMS = ['Acme', 'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Hooli', 'Vandelay', 'Wonka', 'Gringotts', 'Oceanic', 'Soylent', 'Massive', 'Dunder', 'Prestige', 'Monarch'];
const KINDS = ['Ltd', 'GmbH', 'Inc', 'Logistics', 'Partners', 'Dental', 'Legal', 'Motors', 'Bakery', 'Systems'];
const VOCAB = ('quote invoice renewal complaint delivery refund upgrade callback pricing contract discount order shipment ' +
  'warranty repair install meeting demo trial licence subscription cancel payment overdue reminder schedule ' +
  'appointment survey feedback escalate manager urgent follow budget proposal tender approval signature ' +
  'account password login outage broken replace return exchange stock backorder catalogue brochure sample ' +
  'visit engineer site access parking invoice credit debit transfer statement balance deposit receipt tax ' +
  'holiday closed monday tuesday wednesday thursday friday weekend morning afternoon evening tomorrow ' +
  'next week month quarter annual review training onboarding migration backup printer network router ' +
  'firewall email calendar voicemail extension conference headset handset porting number supplier partner').split(' ');
const TAGS = ['vip', 'lead', 'support', 'billing', 'sales', 'partner', 'urgent'];

/** A seeded generator, so every run stores the same calls. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Person { name: string; company?: string; number: string }

/** 6,000 regular callers: UK, US and German numbers in the ranges reserved for drama, plus extensions. */
const PEOPLE: Person[] = (() => {
  const r = random(7);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
  return Array.from({ length: 6000 }, (_, i) => {
    const k = i % 10;
    const n3 = String(i % 1000).padStart(3, '0');
    const number = k < 4 ? `+441632960${n3}` // 01632 960xxx
      : k < 6 ? `+442079460${n3}` // 020 7946 0xxx
        : k < 8 ? `+1${pick(['201', '312', '415', '617', '718'])}5550${100 + (i % 100)}` // (201) 555-01xx
          : k < 9 ? `+493023125${n3}` // 030 23125xxx
            : String(1000 + (i % 200)); // extensions
    return { name: `${pick(FIRST)} ${pick(LAST)}`, company: r() < 0.7 ? `${pick(FIRMS)} ${pick(KINDS)}` : undefined, number };
  });
})();

const NOW = Date.UTC(2026, 10, 1);

/** Call `i` of the synthetic history: call 0 is the newest, about 15 minutes between calls. */
export function synthetic(i: number): CallRecord {
  const r = random(1000 + i);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
  const p = PEOPLE[Math.floor(r() ** 2 * PEOPLE.length)]!;
  const at = NOW - i * 900_000 - Math.floor(r() * 600_000);
  const inbound = r() < 0.6;
  const x = r();
  const outcome: CallOutcome = inbound
    ? x < 0.7 ? 'answered' : x < 0.9 ? 'missed' : x < 0.95 ? 'declined' : 'voicemail'
    : x < 0.75 ? 'answered' : x < 0.85 ? 'busy' : x < 0.9 ? 'failed' : 'cancelled';
  const answered = outcome === 'answered';
  const ring = 2 + Math.floor(r() * 20);
  const talk = answered ? 10 + Math.floor(r() * 900) : undefined;
  const end = at + (ring + (talk ?? 0)) * 1000;
  const rec: CallRecord = {
    id: `bench-${i}`,
    sipCallId: `${Math.floor(r() * 1e12).toString(36)}-${i}@pbx.example.com`,
    direction: inbound ? 'inbound' : 'outbound',
    state: 'ended',
    outcome,
    remote: { number: p.number, displayName: r() < 0.5 ? p.name : undefined, uri: `sip:${p.number}@pbx.example.com` },
    local: { uri: 'sip:1001@pbx.example.com', displayName: 'Reception' },
    events: [{ type: inbound ? 'ringing' : 'dialing', at }, ...(answered ? [{ type: 'answered' as const, at: at + ring * 1000 }] : []), { type: 'ended', at: end }],
    startedAt: at,
    endedAt: end,
    ringSeconds: ring,
    secure: true,
    muted: false,
    media: answered ? 'connected' : 'none',
    version: 3 + Math.floor(r() * 4),
    provenance: { state: { by: 'pbx', at: end } },
  };
  if (answered) rec.answeredAt = at + ring * 1000;
  if (talk !== undefined) rec.talkSeconds = talk;
  if (p.number.length > 4 && r() < 0.8) {
    rec.contact = { name: p.name, ...(p.company ? { company: p.company } : {}) };
    rec.provenance['contact.name'] = { by: 'crm', at: at + 500 };
  }
  if (r() < 0.4) {
    rec.notes = Array.from({ length: 5 + Math.floor(r() * 20) }, () => pick(VOCAB)).join(' ');
    rec.provenance.notes = { by: 'user', at: end + 30_000 };
  }
  if (r() < 0.1) rec.tags = [pick(TAGS)];
  if (r() < 0.02) {
    rec.kind = 'lookup';
    delete rec.outcome;
  }
  return rec;
}

const now = () => performance.now();
const tabId = crypto.randomUUID();
const worker = new SharedWorker(new URL('../hub.js', document.baseURI), { type: 'module', name: 'patchbay-hub' });
const api: Remote<TabApi> = wrap<TabApi>(worker.port);
const cold = new URLSearchParams(location.search).has('cold');
/** navigation start → hello answered → first page received (ms since navigation start). */
const coldStart: { hello?: number; firstPage?: number; firstPageCall?: number; calls?: number } = {};
const ready = new Promise<void>((resolve, reject) => {
  void navigator.locks.request(`tab-${tabId}`, async () => {
    try {
      await api.hello(tabId, 'bench', proxy({ reload: () => undefined }));
      coldStart.hello = now();
      if (cold) {
        const t = now();
        const page = await api.history({ limit: 50 });
        coldStart.firstPage = now();
        coldStart.firstPageCall = coldStart.firstPage - t;
        coldStart.calls = page.calls.length;
      }
      resolve();
    } catch (error) {
      reject(error as Error);
    }
    await new Promise(() => undefined);
  });
});

let all: CallRecord[] | undefined;

function openRaw(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => upgrade?.(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error as Error);
  });
}

/** The naive history: every record in memory, then filter (lower-case substring, digits), sort, slice. */
function naiveFilter(records: CallRecord[], search: string): CallRecord[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const digits = search.replace(/\D/g, '');
  const numeric = /^[\d\s+()-]+$/.test(search);
  const hits = records.filter((r) => {
    if (numeric) return r.remote.number.replace(/\D/g, '').includes(digits.replace(/^0+/, ''));
    const text = [r.contact?.name, r.contact?.company, r.remote.displayName, r.notes, r.subject, ...(r.tags ?? [])].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
  return hits.sort((a, b) => b.startedAt - a.startedAt);
}

/** How people type a number they remember part of: international, national, with spaces or not. */
function typed(number: string, r: () => number): string {
  const cc = number.startsWith('+1') ? '1' : number.slice(1, 3);
  const rest = number.slice(1 + cc.length);
  const national = cc === '1' ? rest : `0${rest}`;
  const forms = [`+${cc} ${rest}`, `+${cc}${rest}`, national, national.replace(/^(\d{5})/, '$1 '), cc === '1' ? `(${rest.slice(0, 3)}) ${rest.slice(3, 6)}-${rest.slice(6)}` : rest];
  const form = forms[Math.floor(r() * forms.length)]!;
  // A prefix: at least 5 digits, often the whole number.
  const digitsAt = [...form].flatMap((c, i) => (/\d/.test(c) ? [i + 1] : []));
  const cut = digitsAt[Math.min(digitsAt.length - 1, 4 + Math.floor(r() * (digitsAt.length - 4)))]!;
  return form.slice(0, cut).trim();
}

const bench = {
  ready,
  /** `count` search texts of a kind, the same every run. */
  queries(kind: 'number' | 'word', count: number): string[] {
    const r = random(kind === 'number' ? 11 : 13);
    const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
    return Array.from({ length: count }, () => {
      if (kind === 'number') {
        const p = pick(PEOPLE.filter((x) => x.number.startsWith('+')));
        return typed(p.number, r);
      }
      const p = pick(PEOPLE);
      const [first, last] = p.name.split(' ') as [string, string];
      const forms = [last, `${first} ${last}`, first.slice(0, 3), pick(VOCAB).slice(0, 4), `${last} ${pick(VOCAB)}`, pick(FIRMS), `${pick(VOCAB)} ${pick(VOCAB)}`];
      return pick(forms);
    });
  },
  coldStart,
  /** Imports calls [from, from + count) through the hub, `chunk` per importHistory call. */
  async seed(from: number, count: number, chunk = 5000) {
    let ms = 0;
    let added = 0;
    for (let i = from; i < from + count; i += chunk) {
      const calls = Array.from({ length: Math.min(chunk, from + count - i) }, (_, k) => synthetic(i + k));
      const json = JSON.stringify({ format: 'patchbay-history', version: 1, calls });
      const t = now();
      added += (await api.importHistory(json)).added;
      ms += now() - t;
    }
    return { ms, added };
  },
  async query(q: HistoryQuery) {
    const t = now();
    const page = await api.history(q);
    return { ms: now() - t, calls: page.calls.length, next: page.next !== undefined };
  },
  /** Pages of 200 (the most a page holds) until `target` calls have been handed out. */
  async scroll(target: number) {
    const t = now();
    let seen = 0;
    let pages = 0;
    let after: string | undefined;
    let last: string | undefined;
    while (seen < target) {
      const page = await api.history({ limit: 200, after });
      pages++;
      seen += page.calls.length;
      last = page.calls[page.calls.length - 1]?.id;
      if (!page.next) break;
      after = page.next;
    }
    return { ms: now() - t, seen, pages, last };
  },
  async storageInfo() {
    return api.storageInfo();
  },
  /** Baseline: open the database, read every record, sort, take the first page. */
  async naiveFirstPage() {
    const t = now();
    const db = await openRaw('patchbay');
    all = await new Promise<CallRecord[]>((resolve, reject) => {
      const req = db.transaction('calls').objectStore('calls').getAll();
      req.onsuccess = () => resolve(req.result as CallRecord[]);
      req.onerror = () => reject(req.error as Error);
    });
    db.close();
    const page = [...all].sort((a, b) => b.startedAt - a.startedAt).slice(0, 50);
    return { ms: now() - t, calls: page.length, total: all.length };
  },
  /** Baseline search over the records already in memory (the kindest case for it). */
  naiveSearch(search: string) {
    const t = now();
    const page = naiveFilter(all ?? [], search).slice(0, 50);
    return { ms: now() - t, calls: page.length };
  },
  naiveScroll(target: number) {
    const t = now();
    const page = [...(all ?? [])].sort((a, b) => b.startedAt - a.startedAt).slice(target - 200, target);
    return { ms: now() - t, last: page[page.length - 1]?.id };
  },
  dropAll() {
    all = undefined;
  },
  /**
   * Write-through latency: `count` ringing-call records put into the app's database with the hub's
   * CallStore code (as the call book does, one transaction each, 20 ms apart), while the hub is idle
   * or while it answers `searches` back to back. The IndexedDB scheduler is per database, so a
   * write here waits for the hub's read transactions exactly as the hub's own writes do.
   */
  async writeThrough(count: number, searches: string[]) {
    const store = await CallStore.open('patchbay');
    let running = searches.length > 0;
    let queries = 0;
    const load = (async () => {
      while (running) await api.history({ search: searches[queries++ % searches.length], limit: 50 });
    })();
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const r: CallRecord = { ...synthetic(i), id: `write-through-${searches.length}-${i}`, state: 'ringing', startedAt: Date.now() };
      delete r.outcome;
      const t = now();
      await store.put(r);
      times.push(now() - t);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    running = false;
    await load;
    store.close();
    return { times, queries };
  },
  /**
   * Write-through: `count` records one transaction each, awaited one after the other (the call
   * book's order), into a fresh database holding `preload` records; v2 = the hub's CallStore, v1 =
   * the previous schema (record only). Records per second.
   */
  async insert(schema: 'v1' | 'v2' | 'v3', count: number, preload: number) {
    const name = `bench-insert-${schema}-${crypto.randomUUID()}`;
    const records = Array.from({ length: preload + count }, (_, i) => ({ ...synthetic(i), id: `ins-${i}` }));
    let put: (r: CallRecord) => Promise<void>;
    let close: () => void;
    if (schema === 'v3') {
      const store = await CallStore.open(name);
      for (let i = 0; i < preload; i += 1000) await store.addMissing(records.slice(i, i + 1000));
      put = (r) => store.put(r);
      close = () => store.close();
    } else {
      // v1 as it shipped (the record only); v2 as it shipped (the record, and its search entry
      // under the `words` and `numbers` indexes).
      const v2 = schema === 'v2';
      const db = await openRaw(name, v2 ? 2 : 1, (d) => {
        const calls = d.createObjectStore('calls', { keyPath: 'id' });
        calls.createIndex('startedAt', 'startedAt');
        calls.createIndex('state', 'state');
        d.createObjectStore('kv');
        if (!v2) return;
        calls.createIndex('time', ['startedAt', 'id'], { unique: true });
        const search = d.createObjectStore('search', { keyPath: ['t', 'id'] });
        search.createIndex('cat', ['cat', 't', 'id']);
        search.createIndex('words', 'words', { multiEntry: true });
        search.createIndex('numbers', 'numbers', { multiEntry: true });
      });
      const write = (batch: CallRecord[]) => new Promise<void>((resolve, reject) => {
        const tx = db.transaction(v2 ? ['calls', 'search'] : ['calls'], 'readwrite', { durability: 'relaxed' });
        for (const r of batch) {
          tx.objectStore('calls').put(r);
          if (v2) {
            tx.objectStore('search').put({ t: -r.startedAt, id: r.id, cat: categoryOf(r), ...searchable(r) });
          }
        }
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error as Error);
      });
      for (let i = 0; i < preload; i += 1000) await write(records.slice(i, i + 1000));
      put = (r) => write([r]);
      close = () => db.close();
    }
    const t = now();
    for (const r of records.slice(preload)) await put(r);
    const ms = now() - t;
    close();
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = resolve;
    });
    return { perSecond: (count / ms) * 1000, msPerRecord: ms / count };
  },
};

window.hist = bench;
void ready.then(() => {
  document.querySelector('[role=status]')!.textContent = 'Ready';
});
