/**
 * A contact of the address book, once: its schema (valibot) and the types inferred from it, with the
 * limits every writer shares (the user, a vCard or CSV import, a suggestion from a call). A contact is
 * what the panel searches to dial by name and what the hub matches a caller's number against.
 */
import * as v from 'valibot';
import { boundedArray, text, time } from './schema.ts';

export const CONTACT_LIMITS = {
  name: 200,
  company: 200,
  title: 200,
  emails: 20,
  email: 254,
  phones: 20,
  number: 64,
  label: 40,
} as const;

/** The types a phone may have; any other short label ("pager", "Office") is kept as given. */
export const PHONE_TYPES = ['mobile', 'work', 'home', 'main', 'fax', 'other'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

/**
 * One line of text a person reads: no control characters, so a name cannot break a list's layout or
 * hide in a caller-ID line.
 */
const line = (max: number) => v.pipe(text(max), v.regex(/^\P{Cc}*$/u, 'text with no control characters'));
const nonEmpty = (max: number) => v.pipe(line(max), v.minLength(1, 'not empty'));

export const ContactPhoneSchema = v.object({
  /**
   * E.164 where it parses (`+12015550123`, with an extension `+12015550123;ext=45`), else the digits or
   * extension as typed (`1002`, `*97`).
   */
  number: nonEmpty(CONTACT_LIMITS.number),
  /** One of `PHONE_TYPES`, or a short label as the source named it. */
  type: v.optional(nonEmpty(CONTACT_LIMITS.label)),
});

const email = v.pipe(line(CONTACT_LIMITS.email), v.regex(/^[^\s@]+@[^\s@]+$/, 'an email address'));

const fields = {
  name: nonEmpty(CONTACT_LIMITS.name),
  company: v.optional(line(CONTACT_LIMITS.company)),
  title: v.optional(line(CONTACT_LIMITS.title)),
  emails: boundedArray(email, CONTACT_LIMITS.emails, 'email addresses'),
  phones: boundedArray(ContactPhoneSchema, CONTACT_LIMITS.phones, 'phone numbers'),
  favourite: v.optional(v.boolean()),
  /** `import` (a vCard or CSV file), `user` (typed in the panel), `suggested` (from a call's record). */
  source: v.picklist(['import', 'user', 'suggested']),
};

/** What a user or a file gives: a contact before the hub names and dates it. */
export const ContactInputSchema = v.object(fields);

/** A contact as the hub stores it. */
export const StoredContactSchema = v.object({
  id: v.pipe(v.string('a contact id'), v.uuid('a contact id (a UUID)')),
  ...fields,
  updatedAt: time,
});

export type ContactInput = v.InferOutput<typeof ContactInputSchema>;
export type StoredContact = v.InferOutput<typeof StoredContactSchema>;
export type ContactPhone = v.InferOutput<typeof ContactPhoneSchema>;
export type ContactSource = ContactInput['source'];
