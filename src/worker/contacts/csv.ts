/**
 * Contacts in CSV: read Google Contacts' export (today's "First Name … Phone 1 - Label, Phone 1 -
 * Value" and the older "Name, Given Name … Phone 1 - Type"), Outlook's ("First Name, Last Name,
 * Company, Job Title, E-mail Address, Business Phone, Mobile Phone …") and a plain "Name, Phone,
 * Email" sheet; write Google's layout. RFC 4180 quoting; comma, semicolon (Excel in much of Europe) or
 * tab separated, whichever the header line uses most; headers matched whatever their case.
 */
import type { ContactInput } from '../../shared/contacts.ts';
import { hubError } from '../../shared/errors.ts';
import { phoneNumbersReady } from '../../shared/phone-number.ts';
import { BATCH, ContactDraft, contactNumber, MAX_CONTACTS_PER_IMPORT, pause, phoneType, settle, tooManyContacts, type ImportOptions, type ImportResult } from './contact-draft.ts';

/** Cells past this many in a row are stepped over (Outlook writes about 90 columns, Google one pair per phone and email). */
export const MAX_COLUMNS = 1_000;

/** The separator the header line uses most: `,` unless `;` or tab outnumber it. */
function separator(text: string): string {
  const end = text.search(/[\r\n]/);
  const header = text.slice(0, end === -1 ? Math.min(text.length, 100_000) : Math.min(end, 100_000));
  const count = (c: string) => header.split(c).length - 1;
  return [';', '\t'].reduce((best, c) => (count(c) > count(best) ? c : best), ',');
}

/** RFC 4180 rows: quoted cells may hold the separator, doubled quotes and line breaks. */
function* rows(text: string, sep: string): Generator<string[]> {
  const stop = new RegExp(`[${sep}\\r\\n]`, 'g');
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const until = (from: number) => {
    stop.lastIndex = from;
    return stop.exec(text)?.index ?? n;
  };
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        const parts: string[] = [];
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q === -1) {
            // An unclosed quote runs to the end of the file, as spreadsheets read it.
            parts.push(text.slice(j));
            i = n;
            break;
          }
          parts.push(text.slice(j, q));
          if (text[q + 1] === '"') {
            parts.push('"');
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        const end = until(i);
        cell = parts.join('') + text.slice(i, end);
        i = end;
      } else {
        const end = until(i);
        if (row.length < MAX_COLUMNS) cell = text.slice(i, end);
        i = end;
      }
      if (row.length < MAX_COLUMNS) row.push(cell);
      if (text[i] === sep) {
        i++;
        continue;
      }
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      break;
    }
    yield row;
  }
}

/** Outlook's phone columns and the type each one means. */
const OUTLOOK_PHONES: Record<string, string> = {
  'primary phone': 'main', 'company main phone': 'main',
  'business phone': 'work', 'business phone 2': 'work',
  'home phone': 'home', 'home phone 2': 'home',
  'mobile phone': 'mobile',
  'business fax': 'fax', 'home fax': 'fax', 'other fax': 'fax',
  'other phone': 'other',
  pager: 'pager', 'car phone': 'car', "assistant's phone": 'assistant', callback: 'callback',
  isdn: 'isdn', 'radio phone': 'radio', telex: 'telex', 'tty/tdd phone': 'tty/tdd',
};
/** A plain sheet's columns. */
const PLAIN_PHONES: Record<string, string | undefined> = { phone: undefined, 'phone number': undefined, telephone: undefined, mobile: 'mobile', tel: undefined };

interface Columns {
  full?: number;
  /** Prefix, first, middle, last, suffix: the name when there is no full-name column. */
  parts: (number | undefined)[];
  fallback?: number;
  company?: number;
  title?: number;
  emails: number[];
  phones: { value: number; label?: number; type?: string }[];
  groups: number[];
}

/** Which column holds what, from the header. */
function columns(header: string[]): Columns {
  const names = header.map((h) => h.trim().toLowerCase().replace(/\s+/g, ' '));
  const at = new Map<string, number>();
  names.forEach((h, i) => at.has(h) || at.set(h, i));
  const first = (...keys: string[]) => keys.map((k) => at.get(k)).find((i) => i !== undefined);
  // In Outlook's layout "Title" is the name's prefix (Mr., Dr.); the job is "Job Title".
  const outlook = ['job title', 'e-mail address', 'business phone', 'mobile phone'].some((k) => at.has(k));
  const phones: Columns['phones'] = [];
  const emails: number[] = [];
  names.forEach((h, i) => {
    const google = /^phone (\d+) - value$/.exec(h);
    if (google) phones.push({ value: i, label: first(`phone ${google[1]} - label`, `phone ${google[1]} - type`) });
    else if (h in OUTLOOK_PHONES) phones.push({ value: i, type: OUTLOOK_PHONES[h] });
    else if (h in PLAIN_PHONES) phones.push({ value: i, type: PLAIN_PHONES[h] });
    else if (/^e-mail \d+ - value$|^e-mail( \d)? address$|^e-?mail( address)?$/.test(h)) emails.push(i);
  });
  return {
    full: first('name', 'full name', 'display name'),
    parts: [
      first('name prefix', ...(outlook ? ['title'] : [])),
      first('first name', 'given name'),
      first('middle name', 'additional name'),
      first('last name', 'family name'),
      first('name suffix', 'suffix'),
    ],
    fallback: first('file as', 'nickname'),
    company: first('organization name', 'organization 1 - name', 'company', 'organization'),
    title: first('organization title', 'organization 1 - title', 'job title', ...(outlook ? [] : ['title'])),
    emails,
    phones,
    groups: [first('labels'), first('group membership'), first('categories')].filter((i) => i !== undefined),
  };
}

/** A cell's text; the apostrophe a spreadsheet-safe writer puts before `=`, `+`, `-`, `@` is taken off. */
function cell(row: string[], i: number | undefined): string {
  const s = i === undefined ? '' : (row[i] ?? '');
  return /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s;
}

/** Google puts several values of one label in one cell: "+1 555 0100 ::: +1 555 0101". */
const values = (s: string) => s.split(':::').map((x) => x.trim()).filter(Boolean);

function contactOf(row: string[], cols: Columns, country: string | undefined): ContactDraft {
  const draft = new ContactDraft();
  draft.name = cell(row, cols.full) || cols.parts.map((i) => cell(row, i)).join(' ').trim() || cell(row, cols.fallback);
  draft.company = cell(row, cols.company);
  draft.title = cell(row, cols.title);
  for (const i of cols.emails) for (const email of values(cell(row, i))) draft.addEmail(email);
  for (const { value, label, type } of cols.phones) {
    const kind = label === undefined ? type : phoneType(cell(row, label));
    for (const number of values(cell(row, value))) draft.addPhone(contactNumber(number, country), kind);
  }
  draft.favourite = cols.groups.some((i) => values(cell(row, i)).some((g) => /^(\*\s*)?(starred|favou?rites?)$/i.test(g)));
  return draft;
}

/**
 * The contacts of a Google, Outlook or plain CSV file, and the rows skipped with why (rows counted
 * from 0 after the header; blank rows are passed over). Throws `InvalidArgument` for a file with no
 * column of names, numbers or emails, or with more than `MAX_CONTACTS_PER_IMPORT` rows.
 */
export async function parseContactsCsv(text: string, options: ImportOptions = {}): Promise<ImportResult> {
  await phoneNumbersReady;
  const result: ImportResult = { contacts: [], skipped: [] };
  const all = rows(text, separator(text));
  const header = all.next();
  if (header.done) return result;
  const cols = columns(header.value);
  if (cols.full === undefined && cols.parts.every((i) => i === undefined) && cols.company === undefined && !cols.emails.length && !cols.phones.length) {
    throw hubError(
      'InvalidArgument',
      'The file\'s first line names no column of names, phone numbers or emails: export from Google Contacts or Outlook as CSV, or give the sheet a header such as "Name,Phone,Email"',
    );
  }
  let index = -1;
  let contacts = 0;
  for (const row of all) {
    index++;
    if (row.every((c) => !c.trim())) continue;
    if (++contacts > MAX_CONTACTS_PER_IMPORT) throw tooManyContacts();
    settle(result, contactOf(row, cols, options.defaultCountry), index);
    if (contacts % BATCH === 0) await pause();
  }
  return result;
}

/**
 * One cell (RFC 4180). A cell a spreadsheet would run as a formula (= + - @, tab or carriage return
 * first) gets a leading apostrophe, which `parseContactsCsv` takes off again; an E.164 number is left
 * as it is, a spreadsheet reads it as a number at worst.
 */
function csvCell(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^\+\d+$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const GOOGLE_HEAD = [
  'First Name', 'Middle Name', 'Last Name', 'Phonetic First Name', 'Phonetic Middle Name', 'Phonetic Last Name', 'Name Prefix',
  'Name Suffix', 'Nickname', 'File As', 'Organization Name', 'Organization Title', 'Organization Department', 'Birthday', 'Notes',
  'Photo', 'Labels',
];
const GOOGLE_LABELS: Record<string, string> = { mobile: 'Mobile', work: 'Work', home: 'Home', main: 'Main', fax: 'Work Fax', other: 'Other', pager: 'Pager' };

/**
 * Contacts in Google Contacts' CSV layout (CRLF), which Google, Outlook and `parseContactsCsv` import.
 * The whole name goes in "First Name": a name is not split into parts it was never given in.
 */
export function writeContactsCsv(contacts: readonly ContactInput[]): string {
  const emailColumns = contacts.reduce((most, c) => Math.max(most, c.emails.length), 1);
  const phoneColumns = contacts.reduce((most, c) => Math.max(most, c.phones.length), 1);
  const head = [
    ...GOOGLE_HEAD,
    ...Array.from({ length: emailColumns }, (_, i) => [`E-mail ${i + 1} - Label`, `E-mail ${i + 1} - Value`]).flat(),
    ...Array.from({ length: phoneColumns }, (_, i) => [`Phone ${i + 1} - Label`, `Phone ${i + 1} - Value`]).flat(),
  ];
  const lines = [head.join(',')];
  for (const c of contacts) {
    const cells = GOOGLE_HEAD.map((h) =>
      h === 'First Name' ? c.name
      : h === 'Organization Name' ? (c.company ?? '')
      : h === 'Organization Title' ? (c.title ?? '')
      : h === 'Labels' ? (c.favourite ? '* myContacts ::: * starred' : '* myContacts')
      : '');
    for (let i = 0; i < emailColumns; i++) cells.push('', c.emails[i] ?? '');
    for (let i = 0; i < phoneColumns; i++) {
      const phone = c.phones[i];
      cells.push(phone?.type ? (GOOGLE_LABELS[phone.type] ?? phone.type) : '', phone?.number ?? '');
    }
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
