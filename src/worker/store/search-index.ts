/**
 * What the history indexes about a call, and how a search box's text becomes index ranges. The
 * derived fields live in a side store (`search` in call-store.ts), never on the records clients get.
 */
import type { CallRecord, HistoryFilter } from '../../shared/api.ts';
import { parsePhone, toNumber } from '../../shared/phone-number.ts';

/**
 * The one category a record is filed under, so that a filter is one index range:
 * - `dialed`: every outbound call, whatever its outcome;
 * - `received`: inbound calls that were answered (here or elsewhere), even if interrupted later;
 * - `missed`: inbound calls that ended without being answered: missed, declined, sent to voicemail,
 *   busy, cancelled, failed, interrupted while ringing. A declined call is still someone who tried to
 *   reach you and may need a call back, as on most phones;
 * - `ringing`: an inbound call still ringing (it moves to missed or received when it ends);
 * - `lookup`: a lookup, not a call.
 * `ringing` and `lookup` show only under "All".
 */
export type Category = 'dialed' | 'received' | 'missed' | 'ringing' | 'lookup';

export const FILTER_CATEGORY: Record<Exclude<HistoryFilter, 'all'>, Category> = {
  missed: 'missed',
  received: 'received',
  dialed: 'dialed',
};

export function categoryOf(r: CallRecord): Category {
  if (r.kind === 'lookup') return 'lookup';
  if (r.direction === 'outbound') return 'dialed';
  if (r.answeredAt !== undefined || r.outcome === 'answered') return 'received';
  return r.state === 'ended' ? 'missed' : 'ringing';
}

/**
 * One row of the side store, keyed by [t, id] with t = −startedAt: ascending key order is newest
 * first, so a page is one `getAll`/`getAllKeys` with a count (those read in ascending order only).
 */
export interface SearchEntry {
  t: number;
  id: string;
  cat: Category;
  /**
   * What the `terms` index keeps (schema v3), each behind the period the call started in
   * (`termKey`), so that a search reads a term's matches one period at a time, newest first, and
   * stops once a page is full instead of reading every match of every term: the folded words (`w`)
   * of names, company, notes, subject, tags, labels, account, opportunity, ticket, and the number
   * forms (`n`) of the remote number: international, national with trunk prefix, national significant.
   * (v2 kept the words and numbers bare, in `words` and `numbers`.)
   */
  terms: string[];
}

/** What a call is searched by: its words and the forms of its number. */
export interface Searchable {
  words: string[];
  numbers: string[];
}

/**
 * The length of one period of the `terms` index: 30 days. A term's index keys within a period are in
 * time order (then by word), so reading newest first means reading the newest periods first.
 */
export const PERIOD = 30 * 86_400_000;

/**
 * The earliest time a call may have (the record's schema refuses earlier ones), and so where a search
 * stops walking periods. Its latest is the period after now's: no call starts later.
 */
export { EARLIEST } from '../../shared/schema.ts';

/** The period a call started in. */
export function periodOf(startedAt: number): number {
  return Math.floor(startedAt / PERIOD);
}

/**
 * A word (`w`) or number form (`n`) as the `terms` index keeps it: the period as one UTF-16 code
 * unit (periods since 1970; one character keeps every index key short, so writes and storage cost
 * what they did in v2), the kind, the text. A period past 65535 (the year 7000s) wraps around onto
 * an earlier one: a search walks only the periods from `EARLIEST`'s to the one after now, and drops
 * keys outside the periods it reads.
 */
export function termKey(period: number, kind: 'w' | 'n', text: string): string {
  return `${String.fromCharCode(period)}${kind}${text}`;
}

const MAX_TOKEN = 40;
/** Enough for long notes; words beyond this many distinct ones are not searchable. */
const MAX_WORDS = 1000;

/** Lower case without accents, so "Zoë" and "zoe" meet. */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The words of a text as the index keeps them. "O'Brien" gives "o", "brien" and "obrien", so it is
 * found by "brien", "obrien" and "O'Brien" (a query joins such words: `queryWords`).
 */
export function words(text: string): string[] {
  const folded = fold(text);
  const split = folded.match(/[\p{L}\p{N}]+/gu) ?? [];
  const joined = (folded.match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)+/gu) ?? []).map((w) => w.replace(/['’]/g, ''));
  return [...split, ...joined].map((w) => w.slice(0, MAX_TOKEN));
}

/** The words of a search: an apostrophe inside a word joins it ("O'Brien" → "obrien"). */
export function queryWords(text: string): string[] {
  return words(fold(text).replace(/(?<=[\p{L}\p{N}])['’](?=[\p{L}\p{N}])/gu, ''));
}

/**
 * The keys a stored number is found by: `+44 1632 960123` gives 441632960123, 01632960123 and
 * 1632960123, so typing any of the three forms (or the start of one) finds it. A number stored
 * without a country code is read with the default country first.
 */
export function numberKeys(number: string, country?: string): string[] {
  const normal = toNumber(number, country);
  const keys = new Set<string>();
  const digits = normal.replace(/\D/g, '');
  if (!/^\+?[\d\s().-]+$/.test(normal) || !digits) return [];
  keys.add(digits);
  if (normal.startsWith('+')) {
    const parsed = parsePhone(normal);
    if (parsed) {
      keys.add(String(parsed.nationalNumber));
      keys.add(parsed.formatNational().replace(/\D/g, ''));
    }
  }
  return [...keys];
}

export function entryOf(r: CallRecord, country?: string): SearchEntry {
  return withTerms({ t: -r.startedAt, id: r.id, cat: categoryOf(r), ...searchable(r, country) });
}

export function searchable(r: CallRecord, country?: string): Searchable {
  const c = r.contact;
  const text = [
    c?.name, c?.company, r.remote.displayName, r.notes, r.subject, r.account, r.opportunity, r.ticket,
    ...(r.tags ?? []), ...(r.labels ?? []),
  ];
  const numbers = numberKeys(r.remote.number, country);
  // A SIP user that is not a number ("alice") is a word.
  if (!numbers.length) text.push(r.remote.number);
  const set = new Set<string>();
  for (const t of text) {
    if (typeof t !== 'string') continue;
    for (const w of words(t)) {
      set.add(w);
      if (set.size >= MAX_WORDS) break;
    }
  }
  return { words: [...set], numbers };
}

/** An entry with `terms` from its words and numbers (a v2 entry, as v3 keeps it). */
export function withTerms({ words, numbers, ...e }: Omit<SearchEntry, 'terms'> & Searchable): SearchEntry {
  const period = periodOf(-e.t);
  return { ...e, terms: [...words.map((w) => termKey(period, 'w', w)), ...numbers.map((n) => termKey(period, 'n', n))] };
}

/**
 * One search term: a record matches when one of its words, or (for a number) one of its number
 * keys, starts with one of `prefixes`.
 */
export interface Term {
  prefixes: string[];
  number: boolean;
}

/** A run of digits with the separators people type in numbers: `+44 (0)1632 960-123`. */
const NUMBER_RUN = /\+?\d[\d\s().\-/]*\d|\+?\d/g;

/**
 * Search text → terms, all of which must match. Number-like runs (spaces allowed) are one term
 * each, matched against numbers and words; the rest is split into word prefixes.
 */
export function parseSearch(text: string): Term[] {
  const terms: Term[] = [];
  const seen = new Set<string>();
  const add = (t: Term) => {
    const key = `${t.number}:${t.prefixes.join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    terms.push(t);
  };
  const rest = text.replace(NUMBER_RUN, (run) => {
    const digits = run.replace(/\D/g, '');
    const prefixes = [digits];
    // 00 is the international prefix in most of the world: 0044… is +44…
    if (!run.startsWith('+') && digits.startsWith('00') && digits.length > 2) prefixes.push(digits.slice(2));
    add({ prefixes: prefixes.map((p) => p.slice(0, MAX_TOKEN)), number: true });
    return ' ';
  });
  for (const w of queryWords(rest)) add({ prefixes: [w], number: false });
  return terms;
}

export function matches(entry: SearchEntry, terms: Term[]): boolean {
  const period = periodOf(-entry.t);
  return terms.every((t) =>
    t.prefixes.some((p) => {
      const word = termKey(period, 'w', p);
      const number = termKey(period, 'n', p);
      return entry.terms.some((k) => k.startsWith(word) || (t.number && k.startsWith(number)));
    }),
  );
}
