/**
 * vCard files: read 2.1 (old phones' quoted-printable), 3.0 (RFC 2425/2426: iPhone, Google, Outlook)
 * and 4.0 (RFC 6350) into contacts; write 4.0 that reads back the same.
 *
 * The reader walks the file once, line by line, keeping only the properties a contact holds (FN, N,
 * ORG, TITLE, EMAIL, TEL, CATEGORIES, Apple's X-ABLabel): a photo of megabytes or a hostile line of ten
 * is stepped over without being copied, and no list grows past its limit.
 */
import { CONTACT_LIMITS, type ContactInput } from '../../shared/contacts.ts';
import { phoneNumbersReady } from '../../shared/phone-number.ts';
import {
  BATCH, ContactDraft, contactNumber, MAX_CONTACTS_PER_IMPORT, pause, phoneType, settle, tooManyContacts, withExtension,
  type ImportOptions, type ImportResult,
} from './contact-draft.ts';

/** A property we read whose line (unfolded) is longer than this is no contact's: its card is skipped. */
export const MAX_LINE_CHARS = 16_384;
/** Apple's labels per card (`item1.X-ABLabel`); more are ignored. */
const MAX_LABELS = 100;

const READ = new Set(['BEGIN', 'END', 'FN', 'N', 'ORG', 'TITLE', 'EMAIL', 'TEL', 'CATEGORIES', 'X-ABLABEL']);
const NAME = /^(?:([A-Za-z0-9-]{1,64})\.)?([A-Za-z0-9-]{1,64})/;

interface Line {
  name: string;
  /** The unfolded line, or undefined for a property we do not read or one over `MAX_LINE_CHARS`. */
  text?: string;
  overlong?: boolean;
}

/**
 * The file's logical lines: CRLF, LF or CR; a line starting with a space or tab continues the one
 * before (RFC 6350 §3.2: that one space or tab goes; vCard 2.1 folds before a space and keeps it), as
 * does the line after a quoted-printable line ending in `=` (vCard 2.1).
 */
function* unfold(text: string): Generator<Line> {
  const eol = /\r\n|\n|\r/g;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let current: { name: string; parts?: string[]; size: number; overlong: boolean } | undefined;
  let softBreak = false;
  let version21 = false;
  while (start < text.length) {
    eol.lastIndex = start;
    const m = eol.exec(text);
    const end = m ? m.index : text.length;
    const first = text.charCodeAt(start);
    if (current && (softBreak || first === 32 || first === 9)) {
      const from = softBreak || version21 ? start : start + 1;
      current.size += end - from;
      if (current.size > MAX_LINE_CHARS) {
        current.overlong = true;
        current.parts = undefined;
      }
      current.parts?.push(text.slice(from, end));
    } else {
      if (current) yield done(current);
      const head = NAME.exec(text.slice(start, Math.min(end, start + 130)));
      const name = head?.[2]!.toUpperCase() ?? '';
      const size = end - start;
      if (name === 'BEGIN') version21 = false;
      else if (name === 'VERSION') version21 = /^VERSION:\s*2\.1\s*$/i.test(text.slice(start, Math.min(end, start + 20)));
      const read = READ.has(name);
      current = { name, size, overlong: read && size > MAX_LINE_CHARS, parts: read && size <= MAX_LINE_CHARS ? [text.slice(start, end)] : undefined };
      // Quoted-printable is declared before the value's colon: look at the parameters only.
      const params = text.slice(start, Math.min(end, start + 1000));
      const colon = params.indexOf(':');
      softBreak = colon !== -1 && /QUOTED-PRINTABLE/i.test(params.slice(0, colon));
    }
    if (softBreak) {
      softBreak = text.charCodeAt(end - 1) === 61; // '=': the value goes on
      if (softBreak && current.parts) current.parts[current.parts.length - 1] = current.parts.at(-1)!.slice(0, -1);
    }
    start = m ? end + m[0].length : text.length;
  }
  if (current) yield done(current);
}

function done(c: { name: string; parts?: string[]; overlong: boolean }): Line {
  return c.overlong ? { name: c.name, overlong: true } : c.parts ? { name: c.name, text: c.parts.join('') } : { name: c.name };
}

interface Property {
  group?: string;
  name: string;
  /** Parameter values by upper-case name; a 2.1 bare parameter (`TEL;CELL`) counts as a TYPE. */
  params: Map<string, string[]>;
  value: string;
}

/** RFC 6868: `^n` newline, `^^` caret, `^'` double quote, in parameter values. */
const caret = (s: string) => s.replace(/\^(['n^])/g, (_, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^'));

function parseProperty(line: string): Property | undefined {
  const head = NAME.exec(line);
  if (!head) return undefined;
  const params = new Map<string, string[]>();
  let i = head[0].length;
  while (line[i] === ';') {
    let j = i + 1;
    let quoted = false;
    while (j < line.length && (quoted || (line[j] !== ';' && line[j] !== ':'))) {
      if (line[j] === '"') quoted = !quoted;
      j++;
    }
    const raw = line.slice(i + 1, j);
    const eq = raw.indexOf('=');
    let key = eq === -1 ? 'TYPE' : raw.slice(0, eq).trim().toUpperCase();
    const values = (eq === -1 ? raw : raw.slice(eq + 1)).match(/"[^"]*"|[^,]+/g)?.map((x) => caret(x.replace(/^"|"$/g, '')).trim()) ?? [];
    if (eq === -1 && /^(QUOTED-PRINTABLE|BASE64|B|8BIT|7BIT)$/i.test(raw)) key = 'ENCODING';
    params.set(key, [...(params.get(key) ?? []), ...values]);
    i = j;
  }
  if (line[i] !== ':') return undefined;
  return { group: head[1]?.toLowerCase(), name: head[2]!.toUpperCase(), params, value: line.slice(i + 1) };
}

const param = (p: Property, key: string) => (p.params.get(key) ?? []).map((x) => x.toLowerCase());

function decoder(charset: string | undefined): TextDecoder {
  try {
    return new TextDecoder(charset || 'utf-8');
  } catch {
    return new TextDecoder('utf-8'); // an unknown charset label
  }
}

/** The value as text: quoted-printable or base64 decoded in its CHARSET (UTF-8 if none). */
function decoded(p: Property): string {
  const encoding = param(p, 'ENCODING')[0];
  if (encoding === 'quoted-printable') {
    const bytes: number[] = [];
    const encoder = new TextEncoder();
    for (let i = 0; i < p.value.length; i++) {
      const hex = p.value[i] === '=' ? /^[0-9A-Fa-f]{2}/.exec(p.value.slice(i + 1, i + 3)) : null;
      if (hex) {
        bytes.push(parseInt(hex[0], 16));
        i += 2;
      } else bytes.push(...encoder.encode(p.value[i]!));
    }
    return decoder(param(p, 'CHARSET')[0]).decode(new Uint8Array(bytes));
  }
  if (encoding === 'b' || encoding === 'base64') {
    try {
      return decoder(param(p, 'CHARSET')[0]).decode(Uint8Array.from(atob(p.value.replace(/\s/g, '')), (c) => c.charCodeAt(0)));
    } catch {
      return '';
    }
  }
  return p.value;
}

/** Splits at `sep` where it is not escaped by a backslash; the pieces keep their escapes. */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === sep) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

/** RFC 6350 §3.4: `\\`, `\,`, `\;`, `\n`. */
const unescape = (s: string) => s.replace(/\\([\\,;nN:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

function telType(p: Property): string | undefined {
  const types = param(p, 'TYPE').flatMap((t) => t.split(','));
  const has = (...names: string[]) => names.some((n) => types.includes(n));
  if (types.some((t) => t.includes('fax'))) return 'fax';
  if (has('cell', 'mobile', 'iphone')) return 'mobile';
  if (has('main')) return 'main';
  if (has('work')) return 'work';
  if (has('home')) return 'home';
  if (has('pager')) return 'pager';
  if (has('other')) return 'other';
  return undefined;
}

/** A TEL's number: a `tel:` URI (4.0, with `;ext=`) or the text as typed (3.0). */
function telNumber(p: Property, country: string | undefined): string {
  const value = decoded(p).trim();
  if (!/^tel:/i.test(value)) return contactNumber(unescape(value), country);
  const [base = '', ...params] = value.slice(4).split(';');
  let number: string;
  try {
    number = decodeURIComponent(base);
  } catch {
    number = base;
  }
  const ext = params.find((x) => /^ext=/i.test(x))?.slice(4).replace(/[^\d*#]/g, '');
  const normalised = contactNumber(number, country);
  return ext ? withExtension(normalised, ext) : normalised;
}

/** One card as it is read: the contact, plus what only the end of the card settles. */
class Card {
  readonly draft = new ContactDraft();
  n?: string[];
  overlong?: string;
  readonly tels = new Map<string, { type?: string; group?: string }>();
  readonly labels = new Map<string, string>();

  read(p: Property, country: string | undefined): void {
    switch (p.name) {
      case 'FN':
        this.draft.name ||= unescape(decoded(p));
        break;
      case 'N':
        this.n ??= splitEscaped(decoded(p), ';').map((part) => splitEscaped(part, ',').map(unescape).join(' '));
        break;
      case 'ORG':
        this.draft.company ||= unescape(splitEscaped(decoded(p), ';')[0]!);
        break;
      case 'TITLE':
        this.draft.title ||= unescape(decoded(p));
        break;
      case 'EMAIL':
        this.draft.addEmail(unescape(decoded(p)));
        break;
      case 'TEL': {
        const number = telNumber(p, country);
        // One past the limit, so the contact's schema names what was too many.
        if (number && !this.tels.has(number) && this.tels.size <= CONTACT_LIMITS.phones) this.tels.set(number, { type: telType(p), group: p.group });
        break;
      }
      case 'CATEGORIES':
        if (splitEscaped(decoded(p), ',').some((c) => /^(starred|favou?rites?)$/i.test(unescape(c).trim()))) this.draft.favourite = true;
        break;
      case 'X-ABLABEL':
        if (p.group && this.labels.size < MAX_LABELS) this.labels.set(p.group, unescape(decoded(p)));
        break;
    }
  }

  finish(): ContactDraft {
    for (const [number, { type, group }] of this.tels) {
      const label = group === undefined ? undefined : this.labels.get(group);
      this.draft.addPhone(number, (label !== undefined && phoneType(label)) || type);
    }
    if (!this.draft.name && this.n) {
      const [family = '', given = '', additional = '', prefix = '', suffix = ''] = this.n;
      this.draft.name = [prefix, given, additional, family, suffix].join(' ');
    }
    return this.draft;
  }
}

/**
 * The contacts of a vCard file (any number of cards, versions 2.1, 3.0 and 4.0 mixed), and the cards
 * skipped with why. Throws `InvalidArgument` for a file of more than `MAX_CONTACTS_PER_IMPORT` cards.
 */
export async function parseVCards(text: string, options: ImportOptions = {}): Promise<ImportResult> {
  await phoneNumbersReady;
  const result: ImportResult = { contacts: [], skipped: [] };
  let card: Card | undefined;
  let depth = 0;
  let index = -1;
  const close = async () => {
    if (card!.overlong) result.skipped.push({ index, reason: `its ${card!.overlong} line is longer than ${MAX_LINE_CHARS} characters` });
    else settle(result, card!.finish(), index);
    card = undefined;
    if ((index + 1) % BATCH === 0) await pause();
  };
  for (const line of unfold(text)) {
    if (line.overlong) {
      if (card && depth === 1) card.overlong ??= line.name;
      continue;
    }
    if (line.text === undefined) continue;
    const p = parseProperty(line.text);
    if (!p) continue;
    if (p.name === 'BEGIN' && /^vcard$/i.test(p.value.trim())) {
      if (depth++ === 0) {
        if (++index >= MAX_CONTACTS_PER_IMPORT) throw tooManyContacts();
        card = new Card();
      }
    } else if (p.name === 'END' && /^vcard$/i.test(p.value.trim())) {
      if (depth > 0 && --depth === 0) await close();
    } else if (card && depth === 1) card.read(p, options.defaultCountry);
  }
  // A file cut short still gives its last card.
  if (card) await close();
  return result;
}

const escapeText = (s: string) => s.replace(/[\\,;\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** RFC 6350 §3.2: lines of at most 75 octets, folded between characters (never inside one's UTF-8 bytes). */
function fold(line: string): string {
  let out = '';
  let octets = 0;
  for (const ch of line) {
    const size = ch.codePointAt(0)! < 0x80 ? 1 : ch.codePointAt(0)! < 0x800 ? 2 : ch.codePointAt(0)! < 0x10000 ? 3 : 4;
    if (octets + size > 75) {
      out += '\r\n ';
      octets = 1;
    }
    out += ch;
    octets += size;
  }
  return `${out}\r\n`;
}

const TEL_TYPES: Record<string, string> = { mobile: 'cell', work: 'work', home: 'home', main: 'main', fax: 'fax', other: 'other' };

/**
 * Contacts as a vCard 4.0 file (CRLF, folded), read back by `parseVCards` as the same contacts. A phone
 * of a known type gets a TYPE; one with a label of its own gets Apple's `itemN.X-ABLabel`, which iOS,
 * macOS and Google read too. A stored contact keeps its id as the card's UID.
 */
export function writeVCards(contacts: readonly (ContactInput & { id?: string; updatedAt?: number })[]): string {
  let out = '';
  for (const c of contacts) {
    out += 'BEGIN:VCARD\r\nVERSION:4.0\r\n';
    if (c.id) out += fold(`UID:urn:uuid:${c.id}`);
    out += fold(`FN:${escapeText(c.name)}`);
    if (c.company) out += fold(`ORG:${escapeText(c.company)}`);
    if (c.title) out += fold(`TITLE:${escapeText(c.title)}`);
    for (const email of c.emails) out += fold(`EMAIL:${escapeText(email)}`);
    let item = 0;
    for (const { number, type } of c.phones) {
      const known = type === undefined ? undefined : TEL_TYPES[type];
      const group = type !== undefined && !known ? `item${++item}.` : '';
      const typeParam = known ? `;TYPE=${known}` : '';
      out += /^\+\d+(;ext=\d+)?$/.test(number) ? fold(`${group}TEL;VALUE=uri${typeParam}:tel:${number}`) : fold(`${group}TEL${typeParam}:${escapeText(number)}`);
      if (group) out += fold(`${group}X-ABLabel:${escapeText(type!)}`);
    }
    if (c.favourite) out += 'CATEGORIES:starred\r\n';
    if (c.updatedAt !== undefined) out += `REV:${new Date(c.updatedAt).toISOString().replace(/[-:]|\.\d+/g, '')}\r\n`;
    out += 'END:VCARD\r\n';
  }
  return out;
}
