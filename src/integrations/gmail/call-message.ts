/**
 * A final call record as an email for the user's own mailbox: the caller is From, the called party
 * To, the Date is when the call started, and a text and an HTML part both hold everything the record
 * says, with who wrote what. Text from callers and apps is data: escaped in HTML, never a header line.
 */
import type { CallRecord } from '../../shared/record.ts';
import { parsePhone } from '../../shared/phone-number.ts';
import { addressHeader, addressOf, base64Lines, base64url, rfc5322Date, textHeader } from './mime.ts';

export const CALL_LABELS_PARENT = 'Voice calls';
export type CallTypeLabel = 'Voice calls/Incoming' | 'Voice calls/Outbound' | 'Voice calls/Missed';

export interface CallMessageOptions {
  /** IANA zone for the times shown and the Date header. Default UTC. */
  timeZone?: string;
  /** BCP 47 locale for dates and durations in the body. Default the runtime's. */
  locale?: string;
  /** App ids to the names people know them by, for "written by". */
  appNames?: Record<string, string>;
}

export interface CallMessage {
  /** The RFC 5322 message, base64url, as Gmail's `messages.insert` takes it. */
  raw: string;
  text: string;
  html: string;
  subject: string;
  messageId: string;
}

const MISSED_OUTCOMES = new Set(['missed', 'declined', 'voicemail', 'busy']);

/** The Gmail label of the call's type. It is derived from the record, never stored in it. */
export function callTypeLabel(record: Pick<CallRecord, 'direction' | 'outcome' | 'answeredAt'>): CallTypeLabel {
  if (record.direction === 'outbound') return 'Voice calls/Outbound';
  const missed = record.answeredAt === undefined || (record.outcome !== undefined && MISSED_OUTCOMES.has(record.outcome));
  return missed ? 'Voice calls/Missed' : 'Voice calls/Incoming';
}

/** "+1 202-555-0147" where the number parses (metadata loaded), else as the record keeps it. */
function shownNumber(number: string): string {
  return parsePhone(number)?.formatInternational() ?? number;
}

interface DurationFormatLike {
  format(duration: { hours?: number; minutes?: number; seconds?: number }): string;
}
type DurationFormatCtor = new (locale?: string, options?: { style?: 'long' | 'short' | 'narrow'; secondsDisplay?: 'always' | 'auto' }) => DurationFormatLike;

/** "3 min, 12 sec" through `Intl.DurationFormat` where the runtime has it, else "3 min 12 s". */
export function duration(totalSeconds: number, locale?: string): string {
  const whole = Math.max(0, Math.round(totalSeconds));
  const parts = { hours: Math.floor(whole / 3600), minutes: Math.floor((whole % 3600) / 60), seconds: whole % 60 };
  const shown = Object.fromEntries(Object.entries(parts).filter(([, n]) => n > 0));
  if (!Object.keys(shown).length) shown.seconds = 0;
  const DurationFormat = (Intl as unknown as { DurationFormat?: DurationFormatCtor }).DurationFormat;
  if (DurationFormat) {
    try {
      // A zero is left out unless asked for ("0 sec", not "").
      return new DurationFormat(locale, { style: 'short', ...(whole === 0 ? { secondsDisplay: 'always' } : {}) }).format(shown);
    } catch {
      // An unknown locale: the plain form below.
    }
  }
  const unit = { hours: 'h', minutes: 'min', seconds: 's' } as Record<string, string>;
  return Object.entries(shown).map(([k, n]) => `${n} ${unit[k]}`).join(' ');
}

function dateTime(ms: number, options: CallMessageOptions): string {
  const style = { dateStyle: 'full', timeStyle: 'long' } as const;
  try {
    return new Intl.DateTimeFormat(options.locale, { ...style, timeZone: options.timeZone ?? 'UTC' }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(undefined, { ...style, timeZone: 'UTC' }).format(ms);
  }
}

interface Party {
  name?: string;
  number?: string;
  uri: string;
}

/** One line of the summary: a label, a value, whether it is a link, who wrote it. */
interface Row {
  label: string;
  value: string;
  href?: string;
  /** Several links in one row (contact.links): shown one a line, each followed if safe. */
  links?: string[];
  by?: string;
  multiline?: boolean;
}

interface Section {
  title: string;
  rows: Row[];
}

/** Links a person may follow from a mail: web, mail and phone (never `javascript:` or `data:`). */
function safeHref(url: string): string | undefined {
  return /^(https?:\/\/|mailto:|tel:)/i.test(url.trim()) ? url.trim() : undefined;
}

function author(by: string | undefined, appNames: Record<string, string>): string | undefined {
  if (by === undefined || by === 'pbx') return undefined;
  if (by === 'user') return 'you';
  return Object.hasOwn(appNames, by) ? appNames[by] : by;
}

function partyText(p: Party): string {
  const number = p.number ? shownNumber(p.number) : '';
  const who = p.name && number && p.name !== p.number ? `${p.name}, ${number}` : p.name || number;
  return who ? `${who} (${p.uri})` : p.uri;
}

const OUTCOME_WORDS: Record<string, string> = {
  answered: 'answered', missed: 'missed', declined: 'declined', busy: 'busy', failed: 'failed',
  cancelled: 'cancelled', voicemail: 'went to voicemail', interrupted: 'interrupted',
};

function subjectOf(record: CallRecord, remote: Party, locale?: string): string {
  const number = remote.number ? shownNumber(remote.number) : '';
  const name = remote.name && remote.name !== remote.number ? remote.name : '';
  const who = name && number ? `${name} (${number})` : name || number || 'an unknown caller';
  const type = callTypeLabel(record);
  const parts = [`Call with ${who}`];
  if (type === 'Voice calls/Missed') parts.push('missed');
  else {
    parts.push(type === 'Voice calls/Incoming' ? 'incoming' : 'outgoing');
    if (record.answeredAt !== undefined) parts.push(duration(record.talkSeconds ?? 0, locale));
    else parts.push(record.outcome === 'missed' || record.outcome === 'cancelled' ? 'not answered' : OUTCOME_WORDS[record.outcome ?? ''] ?? 'not answered');
  }
  return parts.join(' · ');
}

function sections(record: CallRecord, from: Party, to: Party, options: CallMessageOptions): Section[] {
  const appNames = options.appNames ?? {};
  const by = (path: string) => author(record.provenance[path]?.by, appNames);
  const row = (label: string, value: unknown, extra: Partial<Row> = {}): Row[] =>
    value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)
      ? []
      : [{ label, value: Array.isArray(value) ? value.join(', ') : String(value), ...extra }];
  const field = (label: string, path: string, value: unknown, extra: Partial<Row> = {}) => row(label, value, { by: by(path), ...extra });
  const remote = record.direction === 'inbound' ? from : to;
  const c = record.contact ?? {};
  const facts = [record.secure && 'encrypted (WSS and SRTP)', record.recorded && 'recorded', record.monitored && 'monitored'].filter(Boolean);
  return [
    {
      title: 'Call',
      rows: [
        ...row('Direction', record.direction === 'inbound' ? 'incoming' : 'outgoing'),
        ...row('Outcome', OUTCOME_WORDS[record.outcome ?? ''] ?? record.outcome),
        ...row('Reason', record.reason),
        ...row('From', partyText(from), remote === from && from.number ? { href: `tel:${from.number}` } : {}),
        ...row('To', partyText(to), remote === to && to.number ? { href: `tel:${to.number}` } : {}),
        ...row('Started', dateTime(record.startedAt, options)),
        ...row('Answered', record.answeredAt === undefined ? undefined : dateTime(record.answeredAt, options)),
        ...row('Ended', record.endedAt === undefined ? undefined : dateTime(record.endedAt, options)),
        ...row('Ring time', record.ringSeconds === undefined ? undefined : duration(record.ringSeconds, options.locale)),
        ...row('Talk time', record.talkSeconds === undefined ? undefined : duration(record.talkSeconds, options.locale)),
        ...row('Line', facts),
      ],
    },
    {
      title: 'Contact',
      rows: [
        ...field('Name', 'contact.name', c.name),
        ...field('Title', 'contact.title', c.title),
        ...field('Company', 'contact.company', c.company),
        ...field('Email', 'contact.email', c.email, c.email ? { href: safeHref(`mailto:${c.email}`) } : {}),
        ...field('Address', 'contact.address', c.address, { multiline: true }),
        ...field('Links', 'contact.links', c.links, { links: c.links }),
      ],
    },
    {
      title: 'Notes',
      rows: [
        ...field('Subject', 'subject', record.subject),
        ...field('Notes', 'notes', record.notes, { multiline: true }),
        ...field('Tags', 'tags', record.tags),
        ...field('Labels', 'labels', record.labels),
        ...field('Account', 'account', record.account),
        ...field('Opportunity', 'opportunity', record.opportunity),
        ...field('Ticket', 'ticket', record.ticket),
      ],
    },
  ].filter((s) => s.rows.length);
}

function plainText(subject: string, parts: Section[]): string {
  const lines = [subject, ''];
  for (const section of parts) {
    lines.push(section.title);
    for (const r of section.rows) {
      const label = `${r.label}${r.by ? ` (by ${r.by})` : ''}`;
      if (r.multiline && r.value.includes('\n')) lines.push(`  ${label}:`, ...r.value.split(/\r?\n/).map((l) => `    ${l}`));
      else lines.push(`  ${label}: ${r.value.replace(/\s*\r?\n\s*/g, ' ')}`);
    }
    lines.push('');
  }
  lines.push('Logged by Patchbay.');
  return lines.join('\r\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function htmlText(subject: string, parts: Section[]): string {
  const cell = (r: Row) => {
    const link = (text: string, href: string | undefined) => (href ? `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>` : escapeHtml(text));
    const shown = r.links ? r.links.map((l) => link(l, safeHref(l))).join('<br>') : link(r.value, r.href);
    const body = r.multiline ? `<div style="white-space:pre-wrap">${shown}</div>` : shown;
    return `${body}${r.by ? ` <small style="color:#666">by ${escapeHtml(r.by)}</small>` : ''}`;
  };
  const tables = parts.map((s) => [
    `<h2 style="font-size:1em;margin:1em 0 .25em">${escapeHtml(s.title)}</h2>`,
    '<table style="border-collapse:collapse">',
    ...s.rows.map((r) => `<tr><th scope="row" style="text-align:left;vertical-align:top;padding:2px 12px 2px 0;font-weight:normal;color:#555">${escapeHtml(r.label)}</th><td style="padding:2px 0">${cell(r)}</td></tr>`),
    '</table>',
  ].join('\r\n'));
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:system-ui,sans-serif;font-size:14px">',
    `<h1 style="font-size:1.2em">${escapeHtml(subject)}</h1>`,
    ...tables,
    '<p style="color:#666;font-size:12px">Logged by Patchbay.</p>',
    '</body></html>',
  ].join('\r\n');
}

/** The record's id inside a Message-ID: letters, digits and dashes as they are, anything else %XX. */
function idPart(id: string): string {
  return Array.from(new TextEncoder().encode(id), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** A boundary "=_" starts can never occur in base64 (nor quoted-printable) content. */
const BOUNDARY = '=_patchbay-call';

export function callMessage(record: CallRecord, options: CallMessageOptions = {}): CallMessage {
  const remote: Party = { name: record.contact?.name || record.remote.displayName, number: record.remote.number, uri: record.remote.uri };
  const localUser = addressOf(record.local.uri).split('@')[0];
  const local: Party = { name: record.local.displayName, number: localUser === 'unknown' ? undefined : localUser, uri: record.local.uri };
  const [from, to] = record.direction === 'inbound' ? [remote, local] : [local, remote];
  const subject = subjectOf(record, remote, options.locale);
  const parts = sections(record, from, to, options);
  const text = plainText(subject, parts);
  const html = htmlText(subject, parts);
  const messageId = `<call-${idPart(record.id)}@patchbay.invalid>`;
  const nameOf = (p: Party) => p.name || (p.number ? shownNumber(p.number) : undefined);
  const message = [
    `Date: ${rfc5322Date(record.startedAt, options.timeZone)}`,
    addressHeader('From', nameOf(from), addressOf(from.uri)),
    addressHeader('To', nameOf(to), addressOf(to.uri)),
    textHeader('Subject', subject),
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(text),
    `--${BOUNDARY}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(html),
    `--${BOUNDARY}--`,
    '',
  ].join('\r\n');
  return { raw: base64url(message), text, html, subject, messageId };
}
