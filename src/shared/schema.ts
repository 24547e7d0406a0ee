/**
 * The building blocks every schema of the contract is made of, and the one way a schema's verdict
 * becomes a named error. Bounds come before walks: nothing here reads a list before its length is known
 * to be sane.
 */
import * as v from 'valibot';
import { hubError, type HubErrorName } from './errors.ts';

/**
 * A list of at most `max` items, none of them a hole. Checked before any item is looked at: valibot's
 * `array` walks every index of a sparse array (`new Array(1e9)`: a few bytes over a port) and builds an
 * issue per hole before a `maxLength` after it runs.
 */
export function boundedArray<S extends v.GenericSchema>(item: S, max: number, what = 'entries') {
  return v.pipe(
    v.custom<unknown[]>((a) => Array.isArray(a) && a.length <= max, `a list of at most ${max} ${what}`),
    v.custom<unknown[]>((a) => Object.keys(a as unknown[]).length === (a as unknown[]).length, 'a list with no holes'),
    v.array(item),
  );
}

export const text = (max: number) => v.pipe(v.string('text'), v.maxLength(max, `at most ${max} characters`));

/** A link a person may follow from the panel: http, https, mailto or tel (never `javascript:`, `data:` or `file:`). */
export const link = v.pipe(
  v.string('a URL'),
  v.maxLength(2048, 'at most 2048 characters'),
  v.url('a URL'),
  v.check((s) => /^(https?|mailto|tel):/i.test(s), 'an http(s), mailto or tel URL'),
);

/** An address to load (a picture, an app): http(s) only. */
export const webUrl = v.pipe(
  v.string('a URL'),
  v.maxLength(2048, 'at most 2048 characters'),
  v.url('a URL'),
  v.check((s) => /^https?:/i.test(s), 'an http(s) URL'),
);

/** A call record's id, as the hub makes them (UUIDs) and as apps and imports may name them. */
export const CALL_ID_MAX = 64;
export const callId = v.pipe(v.string('a call id'), v.minLength(1, 'a call id'), v.maxLength(CALL_ID_MAX, `a call id of at most ${CALL_ID_MAX} characters`));

/** No call is older than this; a time before it is a mistake or an attack (see `time`). */
export const EARLIEST = Date.UTC(1990, 0, 1);
const DAY = 86_400_000;

function shown(t: unknown): string {
  const d = new Date(t as number);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/**
 * A moment of a call, in epoch ms: from 1990 to a day from now (a clock a little ahead). Past these a
 * time is no call's, and the history is searched period by period: a call dated year 3000, or 275760,
 * would make a search walk centuries.
 */
export const time = v.pipe(
  v.number('a time'),
  v.check(
    (t) => t >= EARLIEST && t <= Date.now() + DAY,
    (issue) => `a time from 1990-01-01 to tomorrow, not ${shown(issue.input)}`,
  ),
);

/** "contact.links.1: an http(s), mailto or tel URL": where, then what was wanted. */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]!;
  const path = v.getDotPath(issue);
  return path && !issue.message.startsWith(path) ? `${path}: ${issue.message}` : issue.message;
}

/**
 * The one way a value is checked against a schema at the hub's edge: the output, or a `name`d error
 * saying `what` and where it went wrong ("Settings: retentionDays: …"). Stops at the first issue.
 */
export function parse<S extends v.GenericSchema>(schema: S, value: unknown, what: string, name: HubErrorName = 'InvalidArgument'): v.InferOutput<S> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (!result.success) throw hubError(name, `${what}: ${describeIssue(result.issues)}`);
  return result.output;
}
