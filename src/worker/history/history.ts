/**
 * The history: pages of call records, newest first, filtered and searched through the indexes of
 * call-store.ts; export as CSV or JSON; import of a JSON export.
 *
 * Every IndexedDB read here is a short transaction of its own (a page of keys, a chunk of entries,
 * the page's records): a readwrite transaction waits for the read transactions begun before it, so
 * a long read would delay the write-through of a ringing call.
 */
import * as v from 'valibot';
import type { CallRecord, HistoryFilter, HistoryPage, HistoryQuery, StorageInfo } from '../../shared/api.ts';
import type { CallStore, EntryKey } from '../store/call-store.ts';
import { hubError } from '../../shared/errors.ts';
import { boundedArray, overLimits } from '../../shared/fields.ts';
import { CallRecordSchema } from '../../shared/record.ts';
import { describeIssue } from '../../shared/schema.ts';
import { EARLIEST, FILTER_CATEGORY, matches, parseSearch, PERIOD, periodOf, termKey, type Category, type Term } from '../store/search-index.ts';

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;
/** How a query is planned; tests shrink these to reach every path with few records. */
export const tuning = {
  /**
   * Tests only: list exactly the terms matching fewer index entries than this, walk for the rest.
   * Unset, the plan is chosen by cost (`plan`).
   */
  cap: undefined as number | undefined,
  /** Entries one `history` call examines at most; past this it returns what it has and a `next`. */
  budget: 4000,
  /** Entries per read transaction while walking or checking. */
  chunk: 250,
  /** A search plans each window of periods from counts until one holds this many entries, then keeps that plan. */
  settle: 500,
};

/**
 * Relative costs, measured in Chromium: reading an index key in bulk (getAllKeys) 1, a search entry
 * in bulk (getAll, newest first) 3, one entry by its key (get) 30.
 */
const KEY = 1;
const ENTRY = 3;
const GET = 30;
/** A term is never listed past this many keys: one read transaction stays short (tens of ms). */
const MAX_LIST = 10_000;

/**
 * Which terms to list (by index key) rather than check: the cheapest of walking the time order
 * until `limit` matches (terms assumed independent) and listing the k narrowest terms, intersecting
 * them, and checking the rest (and the filter) on the candidates' entries. Returns the indices of
 * the terms to list; none means walk.
 */
export function plan(counts: number[], total: number, limit: number, filtered: boolean): number[] {
  if (tuning.cap !== undefined) return counts.flatMap((c, i) => (c < tuning.cap! ? [i] : []));
  const n = Math.max(total, ...counts, 1);
  const p = counts.map((c) => Math.min(1, c / n));
  const all = p.reduce((a, b) => a * b, 1);
  const order = counts.map((_, i) => i).sort((a, b) => counts[a]! - counts[b]!);
  let best: { cost: number; k: number } = { cost: ENTRY * Math.min(n, limit / Math.max(all, 1 / n)), k: 0 };
  let listed = 0;
  let candidates = n;
  for (let k = 1; k <= order.length; k++) {
    const i = order[k - 1]!;
    if (counts[i]! > MAX_LIST) break;
    listed += counts[i]!;
    candidates *= p[i]!;
    // The chance a candidate passes what is left to check (a filter keeps about a third).
    const rest = order.slice(k).reduce((a, j) => a * p[j]!, 1) * (filtered ? 1 / 3 : 1);
    const checks = k < order.length || filtered ? Math.min(candidates, limit / Math.max(rest, 1 / n)) : 0;
    const cost = KEY * listed + GET * checks;
    if (cost < best.cost) best = { cost, k };
  }
  return order.slice(0, best.k);
}

// ── Cursors ─────────────────────────────────────────────────────────────────────────────────

/** The opaque `next`: the [startedAt, id] of the last record handed out (or examined). */
export function encodeCursor(key: EntryKey): string {
  return btoa(JSON.stringify([-key[0], key[1]]));
}

/** A cursor back to the entry key it stands for. */
export function decodeCursor(cursor: string): EntryKey {
  let key: unknown;
  try {
    key = JSON.parse(atob(cursor));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'number' || !Number.isFinite(key[0]) || typeof key[1] !== 'string') {
    throw hubError('InvalidArgument', '"after" is not a cursor from a previous history page: pass the page\'s `next` unchanged');
  }
  return [-key[0], key[1]];
}

/** Entry keys in index order: newest first, then by id. */
const ascending = (a: EntryKey, b: EntryKey) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
const isAfter = (k: EntryKey, after: EntryKey) => ascending(k, after) > 0;

/** Entries past `after` (newest first): of one category, or all. */
function range(cat: Category | undefined, after: EntryKey | undefined): IDBKeyRange | null {
  if (cat) return IDBKeyRange.bound(after ? [cat, ...after] : [cat, -Infinity, ''], [cat, Infinity, ''], after !== undefined);
  return after ? IDBKeyRange.lowerBound(after, true) : null;
}

// ── Pages ───────────────────────────────────────────────────────────────────────────────────

/** One page; `query` must be validated already (`parseHistoryQuery`). */
export async function historyPage(store: CallStore, query: HistoryQuery): Promise<HistoryPage> {
  const limit = query.limit ?? DEFAULT_PAGE;
  const after = query.after ? decodeCursor(query.after) : undefined;
  const filter = query.filter ?? 'all';
  const cat = filter === 'all' ? undefined : FILTER_CATEGORY[filter];
  const terms = parseSearch(query.search ?? '');
  if (!terms.length) {
    // One key-only range read (the time order, or one category's), then the page's records.
    const tx = store.db.transaction('search');
    const keys = await (cat ? tx.store.index('cat').getAllKeys(range(cat, after), limit + 1) : tx.store.getAllKeys(range(undefined, after), limit + 1));
    return finish(store, keys, limit, undefined, !cat);
  }

  // The periods holding calls past `after`: the newest such call's, down to the oldest call's.
  const tx = store.db.transaction('search');
  const [newest, oldest] = await Promise.all([tx.store.getAllKeys(range(undefined, after), 1), tx.store.openKeyCursor(null, 'prev')]);
  if (!newest.length || !oldest) return { calls: [] };
  // Only the periods a call can be in: a record stored with a wild time (before imports were
  // checked, or from a clock gone wrong) still lists, but a search never walks to year 275760.
  const lo = Math.max(periodOf(-oldest.key[0]), periodOf(EARLIEST));
  const first = Math.min(periodOf(-newest[0]![0]), periodOf(Date.now()) + 1);
  const search: Search = { terms, cat, after, found: [], examined: 0, want: limit + 1 };
  // A window of periods at a time, newest first, sized from the rate of matches so far: one period,
  // then enough for what the page still lacks (twice as many periods while nothing is found).
  let span = 1;
  let read = 0;
  for (let top = first; top >= lo; top -= span, span = nextSpan(search, read, span)) {
    const bottom = Math.max(lo, top - span + 1);
    const spent = await searchWindow(store, search, bottom, top);
    read += top - bottom + 1;
    if (search.found.length >= search.want) return finish(store, search.found, limit);
    // The budget is spent: return what there is, and where to go on from.
    if (spent || (search.examined >= tuning.budget && bottom > lo)) return finish(store, search.found, limit, search.last);
  }
  return finish(store, search.found, limit);
}

/** A search in progress: what it looks for, what it has found (keys in order) and examined so far. */
interface Search {
  terms: Term[];
  cat: Category | undefined;
  after: EntryKey | undefined;
  found: EntryKey[];
  examined: number;
  /** The terms to list (by index key), as planned in the first window of `tuning.settle` entries; none: walk. */
  listed?: number[];
  /** The oldest key examined or found: everything newer is done (the `next` when the budget runs out). */
  last?: EntryKey;
  /** Matches that fill the page and show there is more: `limit + 1`. */
  want: number;
}

/** Periods one window reads at most (a count and a list per term and period): some five years. */
export const MAX_SPAN = 64;

function nextSpan(s: Search, read: number, span: number): number {
  const rate = s.found.length / Math.max(read, 1);
  return Math.min(MAX_SPAN, rate > 0 ? Math.max(1, Math.ceil(((s.want - s.found.length) / rate) * 1.25)) : span * 2);
}

/** The index ranges of a term in one period: its prefixes among words, and numbers too for a number. */
function termRanges(t: Term, period: number): IDBKeyRange[] {
  return t.prefixes.flatMap((p) => (t.number ? ['w', 'n'] as const : ['w'] as const).map((kind) => {
    const key = termKey(period, kind, p);
    return IDBKeyRange.bound(key, `${key}\uffff`);
  }));
}

/**
 * The periods bottom…top of a search, read as `plan` says (from counts of each term there, or the
 * plan settled earlier): the chosen terms' keys listed and intersected, the rest and the filter checked on
 * the candidates' entries; or, with none chosen, the entries walked newest first. Matches go to
 * `s.found` in order until it holds `s.want`. True when the budget ran out first.
 */
async function searchWindow(store: CallStore, s: Search, bottom: number, top: number): Promise<boolean> {
  // Entry keys [t, id] of the window: t in (−(top + 1)·PERIOD, −bottom·PERIOD]; [t, []] sorts after [t, any id].
  const lower = -(top + 1) * PERIOD;
  const from: [number, string | []] = s.after && s.after[0] > lower ? s.after : [lower, []];
  const to: [number, []] = [-bottom * PERIOD, []];
  const window = s.cat ? IDBKeyRange.bound([s.cat, ...from], [s.cat, ...to], true) : IDBKeyRange.bound(from, to, true);
  const periods = Array.from({ length: top - bottom + 1 }, (_, i) => top - i);
  const want = s.want - s.found.length;

  // A window is counted and planned until one holds `tuning.settle` entries; later ones follow
  // that plan without counting again (one read transaction fewer, and no count walk).
  let listed = s.listed;
  if (!listed) {
    const planned = await planWindow(store, s, window, periods, want);
    listed = planned.listed;
    if (planned.total >= tuning.settle) s.listed = listed;
  }
  if (!listed.length) return walk(store, s, window);

  const sets: Array<Map<string, EntryKey>> = [];
  for (const i of listed) {
    // One transaction per term, one after the other: a write that comes meanwhile goes in between.
    const own = store.db.transaction('search');
    const lists = await Promise.all(periods.flatMap((p) => termRanges(s.terms[i]!, p).map((r) => own.store.index('terms').getAllKeys(r))));
    const set = new Map<string, EntryKey>();
    for (const list of lists) for (const k of list) set.set(k[1], k);
    sets.push(set);
  }
  // The smallest set, kept where every other set agrees.
  sets.sort((a, b) => a.size - b.size);
  const [first, ...others] = sets;
  // Within the window only: a wild time's period wraps around in its index key (`termKey`) onto a real one.
  let keys = [...first!.entries()].filter(([id, k]) => k[0] > lower && k[0] <= to[0] && others.every((o) => o.has(id))).map(([, k]) => k);
  if (s.after) keys = keys.filter((k) => isAfter(k, s.after!));
  keys.sort(ascending);
  // Listed terms already matched; the others and the filter are checked on entries.
  if (listed.length === s.terms.length && !s.cat) {
    s.found.push(...keys.slice(0, want));
    s.last = s.found[s.found.length - 1] ?? s.last;
    return false;
  }
  for (let i = 0; i < keys.length && s.found.length < s.want; i += tuning.chunk) {
    if (s.examined >= tuning.budget) return true;
    const chunk = keys.slice(i, i + tuning.chunk);
    const tx = store.db.transaction('search');
    const entries = await Promise.all(chunk.map((k) => tx.store.get(k)));
    s.examined += chunk.length;
    for (const [j, e] of entries.entries()) {
      s.last = chunk[j];
      if (e && (!s.cat || e.cat === s.cat) && matches(e, s.terms) && s.found.push([e.t, e.id]) >= s.want) return false;
    }
  }
  return false;
}

/** Counts each term in the window's periods (cheap) and plans the window with `plan`. */
async function planWindow(store: CallStore, s: Search, window: IDBKeyRange, periods: number[], want: number): Promise<{ listed: number[]; total: number }> {
  const tx = store.db.transaction('search');
  const terms = tx.store.index('terms');
  const [total, ...counts] = await Promise.all([
    s.cat ? tx.store.index('cat').count(window) : tx.store.count(window),
    ...s.terms.map(async (t) => {
      // Counting walks the range: a one-letter word or a two-digit number matches a good part of
      // the window, so it is taken as matching everything (walked, never listed) without counting.
      if (t.prefixes.every((p) => p.length < (t.number ? 3 : 2))) return Infinity;
      const n = await Promise.all(periods.flatMap((p) => termRanges(t, p).map((r) => terms.count(r))));
      return n.reduce((a, b) => a + b, 0);
    }),
  ]);
  const n = Math.max(total, 1);
  return { listed: plan(counts.map((c) => (c === Infinity ? n : c)), n, want, s.cat !== undefined).filter((i) => counts[i] !== Infinity), total };
}

/**
 * Every term is broad in this window: read its entries newest first (one category's, or all),
 * `tuning.chunk` per read transaction, checking the terms on each, until the page is full or the
 * budget is spent (then true).
 */
async function walk(store: CallStore, s: Search, window: IDBKeyRange): Promise<boolean> {
  let r = window;
  for (;;) {
    if (s.examined >= tuning.budget) return true;
    const tx = store.db.transaction('search');
    const entries = await (s.cat ? tx.store.index('cat').getAll(r, tuning.chunk) : tx.store.getAll(r, tuning.chunk));
    for (const e of entries) {
      const position: EntryKey = [e.t, e.id];
      s.last = position;
      s.examined++;
      if (matches(e, s.terms) && s.found.push(position) >= s.want) return false;
    }
    if (entries.length < tuning.chunk || !s.last) return false;
    r = IDBKeyRange.bound(s.cat ? [s.cat, ...s.last] : s.last, window.upper as IDBValidKey, true, window.upperOpen);
  }
}

/**
 * The page's records from their keys. More than `limit` keys means there is more: `next` is the
 * last one handed out. `stoppedAt`: the budget ran out there (there may be more after it).
 * `consecutive`: no record lies between the keys in time (the unfiltered list), so one range read.
 */
async function finish(store: CallStore, keys: EntryKey[], limit: number, stoppedAt?: EntryKey, consecutive = false): Promise<HistoryPage> {
  const page = keys.slice(0, limit);
  const calls = await (consecutive ? store.getConsecutive(page) : store.getMany(page.map((k) => k[1])));
  if (keys.length > limit) return { calls, next: encodeCursor(page[page.length - 1]!) };
  return stoppedAt ? { calls, next: encodeCursor(stoppedAt) } : { calls };
}

/** Every page of a query, `MAX_PAGE` records at a time (export, tests). */
export async function* allPages(store: CallStore, query: Omit<HistoryQuery, 'after' | 'limit'>): AsyncGenerator<CallRecord[]> {
  let after: string | undefined;
  do {
    const page = await historyPage(store, { ...query, after, limit: MAX_PAGE });
    if (page.calls.length) yield page.calls;
    after = page.next;
  } while (after);
}

// ── Arguments ───────────────────────────────────────────────────────────────────────────────

const QuerySchema = v.object({
  filter: v.optional(v.picklist(['all', 'missed', 'received', 'dialed'] satisfies HistoryFilter[], 'filter must be one of all, missed, received, dialed')),
  search: v.optional(v.pipe(v.string('search must be text'), v.maxLength(200, 'search must be at most 200 characters'))),
  after: v.optional(v.pipe(v.string('after must be the `next` of a previous page'), v.maxLength(1000, 'after must be the `next` of a previous page'))),
  limit: v.optional(v.pipe(v.number('limit must be a number'), v.integer('limit must be a whole number'), v.minValue(1, 'limit must be at least 1'), v.maxValue(MAX_PAGE, `limit must be at most ${MAX_PAGE}`))),
});

export function parseHistoryQuery(query: unknown): HistoryQuery {
  const r = v.safeParse(QuerySchema, query ?? {});
  if (!r.success) throw hubError('InvalidArgument', `History query: ${describeIssue(r.issues)}`);
  if (r.output.after) decodeCursor(r.output.after);
  return r.output;
}

export function parseExportQuery(query: unknown): HistoryQuery & { format: 'csv' | 'json' } {
  const format = (query as { format?: unknown } | null)?.format;
  if (format !== 'csv' && format !== 'json') throw hubError('InvalidArgument', 'Export format must be "csv" or "json"');
  const { filter, search } = parseHistoryQuery({ ...(query as object), format: undefined, after: undefined, limit: undefined });
  return { filter, search, format };
}

// ── Export ──────────────────────────────────────────────────────────────────────────────────

export const CSV_COLUMNS = [
  'id', 'direction', 'outcome', 'number', 'name', 'company', 'start', 'end', 'duration_s', 'notes', 'subject',
  'tags', 'labels', 'account', 'opportunity', 'ticket',
] as const;

/**
 * One CSV cell (RFC 4180). A cell a spreadsheet would run as a formula (= + - @, or a tab or carriage
 * return first) gets a leading apostrophe, so `+441632960123` reads as text, never as code.
 */
export function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(r: CallRecord): string {
  const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());
  const duration = r.talkSeconds ?? (r.endedAt !== undefined && r.answeredAt !== undefined ? Math.round((r.endedAt - r.answeredAt) / 1000) : '');
  const cells = [
    r.id, r.kind === 'lookup' ? 'lookup' : r.direction, r.outcome, r.remote.number, r.contact?.name ?? r.remote.displayName,
    r.contact?.company, iso(r.startedAt), iso(r.endedAt), duration, r.notes, r.subject, (r.tags ?? []).join('; '),
    (r.labels ?? []).join('; '), r.account, r.opportunity, r.ticket,
  ];
  return cells.map(csvCell).join(',');
}

export const EXPORT_FORMAT = 'patchbay-history';

/** The filtered view (or all) as text, read page by page. */
export async function exportHistory(store: CallStore, query: HistoryQuery & { format: 'csv' | 'json' }): Promise<string> {
  const { format, ...q } = query;
  const parts: string[] = [];
  if (format === 'csv') {
    parts.push(CSV_COLUMNS.join(','));
    for await (const page of allPages(store, q)) for (const r of page) parts.push(csvRow(r));
    return `${parts.join('\r\n')}\r\n`;
  }
  for await (const page of allPages(store, q)) for (const r of page) parts.push(JSON.stringify(r));
  return `{"format":"${EXPORT_FORMAT}","version":1,"calls":[\n${parts.join(',\n')}\n]}\n`;
}

// ── Import ──────────────────────────────────────────────────────────────────────────────────

/** Calls one file may hold: some years of a busy line. */
const MAX_IMPORT = 1_000_000;

const FileSchema = v.object({
  format: v.literal(EXPORT_FORMAT, `this is not a Patchbay history export (format must be "${EXPORT_FORMAT}")`),
  version: v.literal(1, 'this export is from a newer version of Patchbay (only version 1 is understood)'),
  calls: boundedArray(v.unknown(), MAX_IMPORT, 'calls (split the file)'),
});

/** Parses and validates a JSON export, all of it, before anything is written. */
export function parseExport(json: string): CallRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw hubError('InvalidArgument', `The file is not JSON: ${(error as Error).message}`);
  }
  const file = v.safeParse(FileSchema, data);
  if (!file.success) throw hubError('InvalidArgument', `The file cannot be imported: ${describeIssue(file.issues)}`);
  return file.output.calls.map((raw, i) => {
    // The same schema as every record the hub writes (shared/record.ts), with the same limits.
    const r = v.safeParse(CallRecordSchema, raw, { abortEarly: true });
    if (!r.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? ` (id "${String((raw as { id: string }).id).slice(0, 64)}")` : '';
      throw hubError('InvalidArgument', `Call ${i + 1}${id} cannot be imported: ${describeIssue(r.issues)}. Nothing was imported: correct or remove that call in the file and import it again.`);
    }
    // The limits every writer shares (each app's area, the whole record).
    const over = overLimits(r.output, Object.keys(r.output.apps ?? {}));
    if (over) throw hubError('InvalidArgument', `Call ${i + 1} (id "${r.output.id}") cannot be imported: ${over}. Nothing was imported.`);
    return r.output as CallRecord;
  });
}

const IMPORT_BATCH = 500;

/**
 * Imports a JSON export: every record is validated first; records already stored (same id), repeated
 * in the file, or still in progress when exported are skipped. Written `IMPORT_BATCH` per
 * transaction: a full disk stops the import with `QuotaExceeded`, the failing batch rolls back, the
 * batches before it stay, and nothing stored before was touched.
 */
export async function importHistory(store: CallStore, json: string): Promise<{ added: number; skipped: number }> {
  const records = parseExport(json);
  const seen = new Set<string>();
  const fresh = records.filter((r) => r.state === 'ended' && !seen.has(r.id) && seen.add(r.id));
  let added = 0;
  for (let i = 0; i < fresh.length; i += IMPORT_BATCH) {
    try {
      added += await store.addMissing(fresh.slice(i, i + IMPORT_BATCH));
    } catch (error) {
      if ((error as Error).name === 'QuotaExceeded') {
        throw hubError('QuotaExceeded', `Storage is full: ${added} of ${records.length} calls were imported before the disk filled; every call stored before is intact. Free some disk space and import the file again (calls already imported are skipped).`);
      }
      throw error;
    }
  }
  return { added, skipped: records.length - added };
}

// ── Storage ─────────────────────────────────────────────────────────────────────────────────

/** Space used and granted for this origin, whether it is persistent, and how many records. */
export async function storageInfo(store: CallStore): Promise<StorageInfo> {
  const storage = (navigator as { storage?: StorageManager }).storage;
  const [estimate, persisted, records] = await Promise.all([
    storage?.estimate().catch(() => undefined),
    storage?.persisted().catch(() => undefined),
    store.count(),
  ]);
  const info: StorageInfo = { records };
  if (estimate?.usage !== undefined) info.usage = estimate.usage;
  if (estimate?.quota !== undefined) info.quota = estimate.quota;
  if (persisted !== undefined) info.persisted = persisted;
  return info;
}
