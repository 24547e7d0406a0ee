/**
 * The enrichment fields a user or an app may write, as dotted paths, each with a schema. Everything
 * else on a call record is a PBX fact and read-only. A patch is checked here before it reaches the
 * call book, whoever sends it; grants are checked by the caller (the app API).
 */
import * as v from 'valibot';
import { hubError } from './errors.ts';

export { getPath, setPath } from './paths.ts';

/** PBX facts: written by the hub only. */
export const PBX_FIELDS: ReadonlySet<string> = new Set([
  'id', 'kind', 'sipCallId', 'direction', 'state', 'outcome', 'reason', 'remote', 'local', 'events',
  'startedAt', 'answeredAt', 'endedAt', 'ringSeconds', 'talkSeconds', 'secure', 'muted', 'media',
  'recorded', 'monitored', 'version', 'provenance',
]);

const text = (max: number) => v.pipe(v.string(), v.maxLength(max, `at most ${max} characters`));
const webUrl = v.pipe(
  v.string(),
  v.maxLength(2048, 'at most 2048 characters'),
  v.url('a URL'),
  v.check((s) => /^https?:/i.test(s), 'an http(s) URL'),
);
const words = v.pipe(v.array(text(64)), v.maxLength(50, 'at most 50 entries'));

/** The writable fields and what each accepts. `null` (or undefined) clears a field. */
export const FIELD_SCHEMAS = {
  'contact.name': text(200),
  'contact.company': text(200),
  'contact.title': text(200),
  'contact.email': text(254),
  'contact.address': text(500),
  'contact.avatarUrl': webUrl,
  'contact.links': v.pipe(v.array(webUrl), v.maxLength(20, 'at most 20 links')),
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

/** App ids name a private area `apps.<id>`: lower-case letters, digits and dashes. */
export const APP_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const APP_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** One app's value in its private area, as JSON. */
export const MAX_APP_VALUE = 16 * 1024;

/** A checked patch: leaf paths to values; `undefined` clears. */
export type CheckedPatch = Map<string, unknown>;

/**
 * Flattens and validates a patch. `contact: { name }` becomes `contact.name`; unknown paths,
 * PBX fields and malformed values are refused with `InvalidArgument` naming the field.
 * Private areas (`apps.<id>.<key>`) are accepted only for `ownApp`.
 */
export function checkPatch(patch: unknown, ownApp?: string): CheckedPatch {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw hubError('InvalidArgument', 'A patch is an object of field paths to values, e.g. { "contact.name": "Ada" }');
  }
  const out: CheckedPatch = new Map();
  const add = (path: string, value: unknown) => {
    if (FORBIDDEN_KEYS.has(path) || path.split('.').some((p) => FORBIDDEN_KEYS.has(p))) {
      throw hubError('InvalidArgument', `"${path.slice(0, 80)}" is not a field`);
    }
    if (path === 'contact' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (!entries.length) throw hubError('InvalidArgument', 'contact is empty: give fields such as { name, company }');
      for (const [k, v2] of entries) add(`contact.${k}`, v2);
      return;
    }
    if (path.startsWith('apps.')) {
      out.set(path, checkAppValue(path, value, ownApp));
      return;
    }
    if (PBX_FIELDS.has(path.split('.')[0]!)) {
      throw hubError('PermissionDenied', `${path.slice(0, 80)} is a fact from the PBX: only the hub writes it`);
    }
    const schema = (FIELD_SCHEMAS as Record<string, v.GenericSchema>)[path];
    if (!schema) {
      throw hubError('InvalidArgument', `"${path.slice(0, 80)}" is not a field you can write (writable: ${FIELD_PATHS.join(', ')}, apps.<your id>.<key>)`);
    }
    if (value === null || value === undefined) {
      out.set(path, undefined);
      return;
    }
    const result = v.safeParse(schema, value);
    if (!result.success) throw hubError('InvalidArgument', `${path} must be ${result.issues[0].message}`);
    out.set(path, result.output);
  };
  const entries = Object.entries(patch);
  if (entries.length === 0) throw hubError('InvalidArgument', 'The patch is empty');
  if (entries.length > 50) throw hubError('InvalidArgument', 'A patch writes at most 50 fields');
  for (const [path, value] of entries) add(path, value);
  return out;
}

function checkAppValue(path: string, value: unknown, ownApp?: string): unknown {
  const [, id, key, ...rest] = path.split('.');
  if (!id || !APP_ID.test(id) || !key || !APP_KEY.test(key) || rest.length) {
    throw hubError('InvalidArgument', `"${path.slice(0, 80)}" is not a private field: use apps.<your id>.<key>, key made of letters, digits, _ and -`);
  }
  if (id !== ownApp) throw hubError('PermissionDenied', `apps.${id} is the private area of app "${id}"; only it may write there`);
  if (value === null || value === undefined) return undefined;
  let json: string;
  try {
    json = JSON.stringify(value, function (this: Record<string, unknown>, k: string, v2: unknown) {
      // Look at the value before any toJSON (a Date, a Map): only plain data goes in.
      const original = k === '' ? value : this[k];
      if (original !== null && typeof original === 'object' && !Array.isArray(original) && Object.getPrototypeOf(original) !== Object.prototype) {
        throw new Error('not plain');
      }
      if (typeof original === 'function' || typeof original === 'symbol' || typeof original === 'bigint') throw new Error('not plain');
      return v2;
    });
  } catch {
    throw hubError('InvalidArgument', `${path} must be plain JSON (objects, arrays, text, numbers, true/false)`);
  }
  if (json === undefined) throw hubError('InvalidArgument', `${path} must be plain JSON`);
  if (json.length > MAX_APP_VALUE) throw hubError('InvalidArgument', `${path} is ${json.length} bytes as JSON; at most ${MAX_APP_VALUE}`);
  return JSON.parse(json) as unknown;
}
