/**
 * The address book: contacts kept in IndexedDB and held in memory, indexed for what the phone asks of
 * them as the user types or a call rings: search by name, company or any part of a number (dial by name),
 * and the contact behind a number (caller ID). At 50,000 contacts the index is a few megabytes; a search
 * is one pass over it (no IndexedDB round trip per keystroke).
 */
import { ContactInputSchema, type ContactInput, type StoredContact } from '../../shared/contacts.ts';
import type { ContactMatch } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';
import { parsePhone, phoneNumbersReady } from '../../shared/phone-number.ts';
import { parse } from '../../shared/schema.ts';
import type { CallStore } from '../store/call-store.ts';
import { logger } from '../log.ts';
import { MAX_CONTACTS_PER_IMPORT } from './contact-draft.ts';

const log = logger('contacts');

/** At most this many contacts in the book; an import that would pass it is refused as a whole. */
export const MAX_CONTACTS = 100_000;

/** Lower case, accents off: "Zoë" is found by "zoe". */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('en');
}

const words = new Intl.Segmenter('en', { granularity: 'word' });
function wordsOf(s: string): string[] {
  return [...words.segment(s)].filter((w) => w.isWordLike).map((w) => w.segment);
}

interface Entry {
  contact: StoredContact;
  name: string;
  company: string;
  /** Words of the name, and of the company, folded; `words`: both. */
  nameWords: string[];
  companyWords: string[];
  words: string[];
  /** Per phone, the digit strings a typed number may be part of: E.164 without "+", and the national number. */
  digits: string[][];
  /** Name and company, and all digit forms, each in one string: most contacts are ruled out by one `includes`. */
  text: string;
  allDigits: string;
}

/** Strings laid end to end (joined by a character no text holds), with where each one starts. */
interface Haystack {
  all: string;
  starts: Int32Array;
}

function haystack(parts: string[]): Haystack {
  const starts = new Int32Array(parts.length + 1);
  let at = 0;
  parts.forEach((p, i) => {
    starts[i] = at;
    at += p.length + 1;
  });
  starts[parts.length] = at;
  return { all: parts.join('\u0001'), starts };
}

/** The indexes of the parts holding `needle`, ascending, each once. */
function occurrences(h: Haystack, needle: string): number[] {
  const out: number[] = [];
  if (!needle) return out;
  let from = 0;
  for (;;) {
    const at = h.all.indexOf(needle, from);
    if (at < 0) return out;
    // The part this position falls in: the last start at or before it.
    let lo = 0;
    let hi = h.starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (h.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    out.push(lo);
    from = h.starts[lo + 1]!;
  }
}

/** What a number is matched on: E.164 as stored (extension off), else the digits as typed. */
function numberKey(number: string): string {
  return number.replace(/;ext=.*$/, '');
}

function entryOf(contact: StoredContact): Entry {
  const name = fold(contact.name);
  const company = fold(contact.company ?? '');
  const nameWords = wordsOf(name);
  const companyWords = wordsOf(company);
  const digits = contact.phones.map((p) => {
    const key = numberKey(p.number);
    const all = [key.replace(/\D/g, '')];
    const national = key.startsWith('+') ? parsePhone(key)?.nationalNumber : undefined;
    if (national) all.push(String(national));
    return all;
  });
  return {
    contact,
    name,
    company,
    nameWords,
    companyWords,
    words: [...nameWords, ...companyWords],
    digits,
    text: [name, company].join("\u0000"),
    allDigits: digits.flat().join('|'),
  };
}

interface Ranked {
  entry: Entry;
  rank: number;
  /** The phones a typed number matched; all of them when it matched on the name or company. */
  phones?: number[];
}

export class ContactBook {
  private readonly entries = new Map<string, Entry>();
  /** Number (E.164 or as typed) → contact id; the first contact listing a number wins. */
  private readonly byNumber = new Map<string, string>();
  private readonly collator = new Intl.Collator('en', { sensitivity: 'base' });
  readonly ready: Promise<void>;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: CallStore) {
    // Loaded beside everything else at start: caller ID works from the first call after that.
    this.ready = Promise.all([store.allContacts(), phoneNumbersReady]).then(([all]) => {
      for (const c of all) this.index(c);
      if (all.length) log.info(`${all.length} contact(s) loaded`);
    });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Told after every change (the panel's count and lists). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /**
   * The entries in name order (folded names), and their texts and digits each laid end to end in one
   * string with the offset where each entry starts: a search is a few `indexOf` passes over two
   * contiguous strings rather than a property read per contact (memory, not comparisons, is what a
   * scan of 50,000 objects costs). Kept until the book changes.
   */
  private order: { entries: Entry[]; text: Haystack; digits: Haystack } | undefined;
  private ordered(): { entries: Entry[]; text: Haystack; digits: Haystack } {
    if (!this.order) {
      const entries = [...this.entries.values()]
        .filter((e) => e.contact.phones.length > 0)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      this.order = { entries, text: haystack(entries.map((e) => e.text)), digits: haystack(entries.map((e) => e.allDigits)) };
    }
    return this.order;
  }

  private index(contact: StoredContact): void {
    this.unindex(contact.id);
    this.order = undefined;
    this.entries.set(contact.id, entryOf(contact));
    for (const p of contact.phones) {
      const key = numberKey(p.number);
      if (!this.byNumber.has(key)) this.byNumber.set(key, contact.id);
    }
  }

  private unindex(id: string): void {
    const old = this.entries.get(id);
    if (!old) return;
    this.order = undefined;
    this.entries.delete(id);
    for (const p of old.contact.phones) {
      const key = numberKey(p.number);
      if (this.byNumber.get(key) !== id) continue;
      this.byNumber.delete(key);
      // Another contact with the same number takes over.
      for (const e of this.entries.values()) if (e.contact.phones.some((q) => numberKey(q.number) === key)) {
        this.byNumber.set(key, e.contact.id);
        break;
      }
    }
  }

  /** The contact a number belongs to (caller ID); only once the book is loaded. */
  lookup(number: string): StoredContact | undefined {
    if (!number) return undefined;
    const id = this.byNumber.get(numberKey(number));
    return id ? this.entries.get(id)?.contact : undefined;
  }

  get(id: string): StoredContact | undefined {
    return this.entries.get(id)?.contact;
  }

  /**
   * Contacts matching what the user typed, best first, one option per number: a name or company
   * beginning with it (or each typed word beginning one of theirs), then containing it, or any part of
   * a number in any format ("555 0100", "5550100", "+1 (555) 010"). Favourites first within a rank.
   */
  search(query: string, limit = 8): ContactMatch[] {
    const q = fold(query).trim().slice(0, 100);
    if (!q) return [];
    const typedWords = wordsOf(q);
    const digits = /\p{L}/u.test(q) ? '' : q.replace(/\D/g, '');
    // A national number typed with its trunk prefix ("01632 960555") is the national number without it.
    const typed = [...new Set([digits, digits.replace(/^0+/, '')])].filter((d) => d.length >= 2);
    const prefixOf = (ws: string[]) => typedWords.length > 0 && typedWords.every((t) => ws.some((w) => w.startsWith(t)));
    // Only the best `limit` contacts can reach the list (each gives at least one option), so they are
    // kept in order as the scan goes and the other matches are never sorted; a contact that can no
    // longer beat the last of them is not tested further.
    const best: Ranked[] = [];
    const favourite = (e: Entry) => (e.contact.favourite ? 1 : 0);
    // The scan goes in name order, so among equals the first found stays first: no name comparison.
    const before = (rank: number, entry: Entry, than: Ranked) => rank - than.rank || favourite(than.entry) - favourite(entry);
    // Every text match (a prefix of the name, of a word, of the company, or inside them) contains the
    // first typed word: one native `includes` rules most contacts out before anything else is asked.
    const first = typedWords[0] ?? q;
    const { entries, text, digits: digitHay } = this.ordered();
    // Which contacts may match, marked in name order: 1 their text holds the first word, 2 their digits the number.
    const marks = new Uint8Array(entries.length);
    for (const i of occurrences(text, first)) marks[i]! |= 1;
    for (const t of typed) for (const i of occurrences(digitHay, t)) marks[i]! |= 2;
    for (let index = 0; index < marks.length; index++) {
      if (!marks[index]) continue;
      const entry = entries[index]!;
      const textMay = (marks[index]! & 1) !== 0;
      const digitsMay = (marks[index]! & 2) !== 0;
      const worst = best.length === limit ? best[limit - 1]!.rank : 4;
      let rank = !textMay ? -1
        : entry.name.startsWith(q) ? 0
        : worst < 1 ? -1
          : prefixOf(entry.nameWords) ? 1
            : worst < 2 ? -1
              : entry.company.startsWith(q) || prefixOf(entry.words) ? 2
                : worst < 4 ? -1
                  : entry.name.includes(q) || entry.company.includes(q) ? 4
                    : -1;
      let phones: number[] | undefined;
      if (digitsMay) {
        // A number can rank 1 (it starts with what was typed) or 3; if even that cannot enter the list, skip.
        const startsAny = typed.some((t) => entry.allDigits.startsWith(t) || entry.allDigits.includes(`|${t}`));
        const could = Math.min(rank === -1 ? 4 : rank, startsAny ? 1 : 3);
        if (best.length === limit && before(could, entry, best[limit - 1]!) >= 0) continue;
        let starts = false;
        for (let i = 0; i < entry.digits.length; i++) {
          let hit = false;
          for (const d of entry.digits[i]!) {
            for (const t of typed) {
              if (!d.includes(t)) continue;
              hit = true;
              if (d.startsWith(t)) starts = true;
            }
          }
          if (hit) (phones ??= []).push(i);
        }
        if (phones) rank = rank === -1 ? (starts ? 1 : 3) : Math.min(rank, starts ? 1 : 3);
      }
      if (rank < 0) continue;
      if (best.length === limit && before(rank, entry, best[limit - 1]!) >= 0) continue;
      let at = best.length;
      while (at > 0 && before(rank, entry, best[at - 1]!) < 0) at--;
      best.splice(at, 0, { entry, rank, phones });
      if (best.length > limit) best.pop();
    }
    const out: ContactMatch[] = [];
    for (const { entry, phones } of best) {
      const c = entry.contact;
      const which = phones ?? c.phones.map((_, i) => i);
      for (const i of which) {
        const p = c.phones[i]!;
        out.push({ contactId: c.id, name: c.name, company: c.company, number: p.number, type: p.type, favourite: c.favourite });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Favourites, by name. */
  favourites(limit = 12): StoredContact[] {
    return [...this.entries.values()].map((e) => e.contact).filter((c) => c.favourite)
      .sort((a, b) => this.collator.compare(a.name, b.name)).slice(0, limit);
  }

  /** A page of the book by name (the contacts list), optionally filtered by `query`. */
  list(options: { query?: string; offset?: number; limit?: number } = {}): { contacts: StoredContact[]; total: number } {
    const q = fold(options.query ?? '').trim();
    let all = [...this.entries.values()];
    if (q) all = all.filter((e) => e.name.includes(q) || e.company.includes(q) || e.digits.some((f) => f.some((d) => q.replace(/\D/g, '') && d.includes(q.replace(/\D/g, '')))));
    const sorted = all.map((e) => e.contact).sort((a, b) => this.collator.compare(a.name, b.name));
    const offset = Math.max(0, options.offset ?? 0);
    return { contacts: sorted.slice(offset, offset + Math.min(options.limit ?? 50, 500)), total: sorted.length };
  }

  /** Adds a contact, or replaces the one with `id`. */
  async save(input: unknown, id?: string): Promise<StoredContact> {
    await this.ready;
    const contact = parse(ContactInputSchema, input, 'Contact');
    if (id !== undefined && !this.entries.has(id)) throw hubError('NotFound', `No contact with id ${id}`);
    if (id === undefined && this.entries.size >= MAX_CONTACTS) throw hubError('QuotaExceeded', `The address book holds at most ${MAX_CONTACTS.toLocaleString('en')} contacts`);
    const stored: StoredContact = { ...contact, id: id ?? crypto.randomUUID(), updatedAt: Date.now() };
    await this.store.putContacts([stored]);
    this.index(stored);
    this.changed();
    return stored;
  }

  async setFavourite(id: string, favourite: boolean): Promise<StoredContact> {
    await this.ready;
    const c = this.entries.get(id)?.contact;
    if (!c) throw hubError('NotFound', `No contact with id ${id}`);
    const { id: _id, updatedAt: _at, ...input } = c;
    return this.save({ ...input, favourite: favourite || undefined }, id);
  }

  async remove(ids: string[]): Promise<void> {
    await this.ready;
    await this.store.putContacts([], ids);
    for (const id of ids) this.unindex(id);
    this.changed();
  }

  /**
   * Adds imported contacts in one transaction (all or none). A contact whose name and numbers are all
   * in the book already is left out, so importing the same file twice adds nothing.
   */
  async addMany(inputs: ContactInput[]): Promise<{ added: number; duplicates: number }> {
    await this.ready;
    if (inputs.length > MAX_CONTACTS_PER_IMPORT) throw hubError('InvalidArgument', `At most ${MAX_CONTACTS_PER_IMPORT} contacts per import`);
    if (this.entries.size + inputs.length > MAX_CONTACTS) {
      throw hubError('QuotaExceeded', `The address book would hold more than ${MAX_CONTACTS.toLocaleString('en')} contacts: nothing was imported`);
    }
    const seen = new Set([...this.entries.values()].map((e) => sameKey(e.contact)));
    const at = Date.now();
    const fresh: StoredContact[] = [];
    for (const input of inputs) {
      const key = sameKey(input);
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push({ ...input, id: crypto.randomUUID(), updatedAt: at });
    }
    await this.store.putContacts(fresh);
    for (const c of fresh) this.index(c);
    if (fresh.length) this.changed();
    return { added: fresh.length, duplicates: inputs.length - fresh.length };
  }

  all(): StoredContact[] {
    return [...this.entries.values()].map((e) => e.contact).sort((a, b) => this.collator.compare(a.name, b.name));
  }
}

/** Two contacts are the same when name and numbers agree. */
function sameKey(c: ContactInput): string {
  return `${fold(c.name)}\u0000${c.phones.map((p) => numberKey(p.number)).sort().join(',')}`;
}
