/**
 * The call record, once: its schema (valibot), the types inferred from it, and the enrichment fields a
 * user or an app may write, with the limits every writer shares (tabs, apps, the history import).
 * PBX facts are written by the hub only; what the hub writes is trusted, what arrives from a file is
 * checked against this same schema.
 */
import * as v from 'valibot';
import { APP_ID, RESERVED_APP_IDS } from './app-ids.ts';
import { boundedArray, callId, link, text, time, webUrl } from './schema.ts';

const words = boundedArray(text(64), 50);

/** The writable fields, as dotted paths, and what each accepts. `null` (or undefined) clears a field. */
export const FIELD_SCHEMAS = {
  'contact.name': text(200),
  'contact.company': text(200),
  'contact.title': text(200),
  'contact.email': text(254),
  'contact.address': text(500),
  'contact.avatarUrl': webUrl,
  'contact.links': boundedArray(link, 20, 'links'),
  notes: text(20_000),
  subject: text(300),
  tags: words,
  labels: words,
  account: text(200),
  opportunity: text(200),
  ticket: text(200),
} as const;

export type FieldPath = keyof typeof FIELD_SCHEMAS;
export const FIELD_PATHS = Object.keys(FIELD_SCHEMAS) as FieldPath[];

/** The fields under `prefix` ('contact.') or at the top (''), optional, for the record's schema. */
function enrichment<P extends string>(prefix: P) {
  type Key = FieldPath extends infer K ? (K extends `${P}${infer Rest}` ? (P extends '' ? (Rest extends `${string}.${string}` ? never : Rest) : Rest) : never) : never;
  return Object.fromEntries(
    FIELD_PATHS.flatMap((path) =>
      (prefix ? path.startsWith(prefix) : !path.includes('.')) ? [[path.slice(prefix.length), v.optional(FIELD_SCHEMAS[path])]] : []),
  ) as { [K in Key]: v.OptionalSchema<(typeof FIELD_SCHEMAS)[`${P}${K}` & FieldPath], undefined> };
}

const EVENT_TYPES = ['ringing', 'dialing', 'answered', 'held', 'resumed', 'muted', 'unmuted', 'transferred', 'forwarded', 'conferenced', 'media-handover', 'connection-lost', 'reconnected', 'ended'] as const;
const OUTCOMES = ['answered', 'missed', 'declined', 'busy', 'failed', 'cancelled', 'voicemail', 'interrupted'] as const;

export const CallEventSchema = v.object({
  type: v.picklist(EVENT_TYPES),
  at: time,
  /** Free text for humans: "media moved to another tab", "to 1003". */
  detail: v.optional(text(2048)),
});

export const PartySchema = v.object({
  /** E.164 where it parses, else the URI's user part. */
  number: text(128),
  displayName: v.optional(text(512)),
  uri: text(2048),
});

export const ContactSchema = v.object(enrichment('contact.'));

export const ProvenanceSchema = v.object({ by: text(256), at: time });

/** Where a final record goes: `gmail`, or `webhook-1`, `webhook-2`… in the order config.json lists them. */
export const DESTINATION = /^(gmail|webhook-[1-9][0-9]?)$/;

/**
 * One destination's delivery of a final record, written by the hub only: `pending` (queued, retried),
 * `sent` (`ref`: Gmail's message id, or the webhook's HTTP status), `failed` (`reason`; it will not be
 * retried) or `skipped` (`reason`: not logged on purpose).
 */
export const LogEntrySchema = v.object({
  status: v.picklist(['pending', 'sent', 'failed', 'skipped']),
  at: time,
  ref: v.optional(text(256)),
  reason: v.optional(text(512)),
  attempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** An app's private area on a record: keys to plain JSON, under an id an app may have. */
const AppAreasSchema = v.record(
  v.pipe(v.string(), v.regex(APP_ID, 'an app id'), v.check((id) => !RESERVED_APP_IDS.has(id), 'an app id Patchbay does not keep for itself')),
  v.record(text(64), v.unknown()),
);

/** The shared memory of one call. */
export const CallRecordSchema = v.pipe(
  v.object({
    id: callId,
    /** `call`, or `lookup` (a number or business card with no call); absent on records from before lookups. */
    kind: v.optional(v.picklist(['call', 'lookup'])),
    sipCallId: text(512),
    direction: v.picklist(['inbound', 'outbound']),
    state: v.picklist(['ringing', 'dialing', 'active', 'held', 'ended']),
    outcome: v.optional(v.picklist(OUTCOMES)),
    /** Why it ended, for humans: "486 Busy Here", "Cancelled by caller". */
    reason: v.optional(text(512)),
    remote: PartySchema,
    local: v.object({ uri: text(2048), displayName: v.optional(text(512)) }),
    // The call's times before its events' (checked in this order): an error names the one a person reads.
    startedAt: time,
    answeredAt: v.optional(time),
    endedAt: v.optional(time),
    events: boundedArray(CallEventSchema, 10_000, 'events'),
    ringSeconds: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(86_400 * 7))),
    talkSeconds: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(86_400 * 7))),
    secure: v.boolean(),
    muted: v.boolean(),
    /** Media state as the media tab reports it. */
    media: v.picklist(['none', 'connecting', 'connected', 'failed']),
    recorded: v.optional(v.boolean()),
    monitored: v.optional(v.boolean()),
    /** Once ended: when the wrap-up ends and the record becomes final (unless "Done" comes first). */
    wrapUntil: v.optional(time),
    /** When the record became final: from then on it is logged as it stood. */
    finalAt: v.optional(time),
    /** The user asked not to log this call. */
    dontLog: v.optional(v.boolean()),
    /** Per destination, how logging the final record went. */
    log: v.optional(v.record(v.pipe(v.string(), v.regex(DESTINATION, 'gmail or webhook-<n>')), LogEntrySchema)),
    contact: v.optional(ContactSchema),
    ...enrichment(''),
    apps: v.optional(AppAreasSchema),
    /** Bumped by every real change. */
    version: v.pipe(v.number(), v.integer(), v.minValue(1)),
    /**
     * Who last wrote each field, and when: top-level names for PBX facts ("state"), dotted paths for
     * enrichment ("contact.name", "notes", "apps.crm.dealId").
     */
    provenance: v.record(text(256), ProvenanceSchema),
  }),
  v.forward(
    v.partialCheck([['startedAt'], ['endedAt']], (r) => r.endedAt === undefined || r.endedAt >= r.startedAt, 'a time no earlier than startedAt'),
    ['endedAt'],
  ),
);

export type CallRecord = v.InferOutput<typeof CallRecordSchema>;
export type CallEvent = v.InferOutput<typeof CallEventSchema>;
export type CallEventType = CallEvent['type'];
export type CallOutcome = (typeof OUTCOMES)[number];
export type CallDirection = CallRecord['direction'];
export type CallState = CallRecord['state'];
export type RecordKind = NonNullable<CallRecord['kind']>;
export type Party = v.InferOutput<typeof PartySchema>;
export type Contact = v.InferOutput<typeof ContactSchema>;
export type LogEntry = v.InferOutput<typeof LogEntrySchema>;

/** Who wrote a field: the PBX (the hub itself), the user, or an app id. */
export type Author = 'pbx' | 'user' | (string & {});
export interface Provenance {
  by: Author;
  at: number;
}

/** A lookup: a number or a business card with no call, as the panel submits it. */
export const LookupSchema = v.pipe(
  v.object({
    number: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(64, 'at most 64 characters'))),
    name: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'at most 200 characters'))),
    company: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'at most 200 characters'))),
    email: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(254, 'at most 254 characters'))),
  }),
  v.check((l) => Boolean(l.number || l.name || l.company || l.email), 'give a number, a name, a company or an email to look up'),
);
