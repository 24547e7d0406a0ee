/**
 * What the vCard and CSV readers share: a contact being read (bounded as it grows), the cleaning of
 * its text, numbers and phone labels, and the one check against the contact's schema that decides
 * whether it is imported or skipped with a reason.
 */
import * as v from 'valibot';
import { CONTACT_LIMITS, ContactInputSchema, type ContactInput, type ContactPhone, type PhoneType } from '../../shared/contacts.ts';
import { hubError } from '../../shared/errors.ts';
import { parsePhone, toNumber } from '../../shared/phone-number.ts';
import { describeIssue } from '../../shared/schema.ts';

/** The most contacts one import takes; a file with more is refused as a whole. */
export const MAX_CONTACTS_PER_IMPORT = 50_000;

export interface ImportOptions {
  /** ISO 3166 country (`GB`) national numbers are read in; without it only international numbers become E.164. */
  defaultCountry?: string;
}

export interface ImportResult {
  contacts: ContactInput[];
  /** The cards (vCard) or rows (CSV, after the header) not imported, by position from 0, and why. */
  skipped: { index: number; reason: string }[];
}

export function tooManyContacts(): Error {
  return hubError(
    'InvalidArgument',
    `The file holds more than ${MAX_CONTACTS_PER_IMPORT.toLocaleString('en')} contacts, the most one import takes: nothing was imported. Split the file and import each part.`,
  );
}

/** Lets the hub answer its tabs and the PBX between batches of a long import. */
export const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
export const BATCH = 2_000;

/** Bidirectional overrides and isolates: they can make a caller's name read backwards. */
const INVISIBLE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

/** One line of text as a person reads it: controls and direction overrides gone, spaces collapsed. */
export function cleanText(s: string): string {
  return s.normalize('NFC').replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * A number as the contact keeps it: E.164 where it parses (see `toNumber`), with an extension the
 * source wrote in words (`+1 201 555 0123 ext. 45`) kept as in a tel: URI (`+12015550123;ext=45`);
 * else as typed.
 */
export function contactNumber(raw: string, country?: string): string {
  const typed = cleanText(raw);
  const number = toNumber(typed, country);
  if (/^\+?\d+$/.test(number)) return number;
  const parsed = parsePhone(typed.slice(0, CONTACT_LIMITS.number), country);
  return parsed?.ext && parsed.isPossible() ? withExtension(parsed.number, parsed.ext) : number;
}

export const withExtension = (number: string, ext: string) => `${number};ext=${ext}`;

const KNOWN_LABELS: Record<string, PhoneType | 'pager'> = {
  mobile: 'mobile', cell: 'mobile', iphone: 'mobile',
  work: 'work',
  home: 'home',
  main: 'main',
  fax: 'fax', 'work fax': 'fax', 'home fax': 'fax', 'other fax': 'fax', homefax: 'fax', workfax: 'fax', otherfax: 'fax',
  other: 'other',
  pager: 'pager',
};

/**
 * A phone's type from the label a source gave it ("Mobile", "* Work", "Work Fax", Apple's
 * `_$!<Mobile>!$_`): one of the known types, or the label itself, or undefined when there is none.
 */
export function phoneType(label: string): string | undefined {
  const l = cleanText(label.replace(/^\*\s*/, '').replace(/^_\$!<(.*)>!\$_$/, '$1'));
  if (!l) return undefined;
  return KNOWN_LABELS[l.toLowerCase()] ?? l;
}

/** A contact being read: lists stop growing one past their limit, so the schema says what was too many. */
export class ContactDraft {
  name = '';
  company = '';
  title = '';
  favourite = false;
  readonly emails: string[] = [];
  readonly phones: ContactPhone[] = [];
  private readonly seenEmails = new Set<string>();
  private readonly seenNumbers = new Set<string>();

  addEmail(raw: string): void {
    const email = cleanText(raw).replace(/^mailto:/i, '');
    // Values that cannot be an address (empty, an Exchange X.500 path) are not an error of the contact.
    if (!email.includes('@') || this.emails.length > CONTACT_LIMITS.emails) return;
    const key = email.toLowerCase();
    if (this.seenEmails.has(key)) return;
    this.seenEmails.add(key);
    this.emails.push(email);
  }

  /** A number (already normalised) and its type; a number met again keeps its first type. */
  addPhone(number: string, type: string | undefined): void {
    if (!number || this.phones.length > CONTACT_LIMITS.phones || this.seenNumbers.has(number)) return;
    this.seenNumbers.add(number);
    this.phones.push(type ? { number, type } : { number });
  }

  /** The contact, or why it cannot be one. A missing name falls back to the company, an email, a number. */
  finish(): { contact: ContactInput } | { reason: string } {
    const company = cleanText(this.company);
    const title = cleanText(this.title);
    const name = cleanText(this.name) || company || this.emails[0] || this.phones[0]?.number;
    if (!name) return { reason: 'no name, company, email or phone number' };
    const candidate = {
      name,
      ...(company ? { company } : {}),
      ...(title ? { title } : {}),
      emails: this.emails,
      phones: this.phones,
      ...(this.favourite ? { favourite: true } : {}),
      source: 'import' as const,
    };
    const result = v.safeParse(ContactInputSchema, candidate, { abortEarly: true });
    return result.success ? { contact: result.output } : { reason: `${name.slice(0, 60)}: ${describeIssue(result.issues)}` };
  }
}

/** Adds a finished draft to the result: imported, or skipped with its position and reason. */
export function settle(result: ImportResult, draft: ContactDraft, index: number): void {
  const done = draft.finish();
  if ('contact' in done) result.contacts.push(done.contact);
  else result.skipped.push({ index, reason: done.reason });
}
