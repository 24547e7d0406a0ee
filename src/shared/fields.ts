/**
 * Patches: the enrichment fields (record.ts) a user or an app writes, as dotted paths. Everything else on
 * a call record is a PBX fact and read-only. A patch is checked here before it reaches the call book,
 * whoever sends it, with the writer's grants asked before any value is looked at; and the limits every
 * writer shares (private areas, the whole record).
 */
import * as v from 'valibot';
import { APP_ID } from './app-ids.ts';
import { hubError } from './errors.ts';
import { FIELD_PATHS, FIELD_SCHEMAS } from './record.ts';

export { APP_ID, RESERVED_APP_IDS } from './app-ids.ts';

export { getPath, setPath } from './paths.ts';

/** PBX facts: written by the hub only. */
export const PBX_FIELDS: ReadonlySet<string> = new Set([
  'id', 'kind', 'sipCallId', 'direction', 'state', 'outcome', 'reason', 'remote', 'local', 'events',
  'startedAt', 'answeredAt', 'endedAt', 'ringSeconds', 'talkSeconds', 'secure', 'muted', 'media',
  'recorded', 'monitored', 'version', 'provenance', 'wrapUntil', 'finalAt', 'dontLog', 'log',
]);

export { boundedArray, CALL_ID_MAX, callId, link, webUrl } from './schema.ts';
export { FIELD_PATHS, FIELD_SCHEMAS, type FieldPath } from './record.ts';

const APP_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** One app's value in its private area, as JSON. */
export const MAX_APP_VALUE = 16 * 1024;
/** Keys and bytes (as JSON) one app's private area may hold on one record. */
export const MAX_APP_KEYS = 50;
export const MAX_APP_AREA = 64 * 1024;
/** A whole record as JSON: every write that would grow it past this is refused. */
export const MAX_RECORD_BYTES = 512 * 1024;
/** Nesting and entries of one app value: checked while walking it, before anything else reads it. */
const MAX_APP_DEPTH = 16;
const MAX_APP_NODES = 5000;

/** A checked patch: leaf paths to values; `undefined` clears. */
export type CheckedPatch = Map<string, unknown>;

/**
 * Flattens and validates a patch. `contact: { name }` becomes `contact.name`; unknown paths,
 * PBX fields and malformed values are refused with `InvalidArgument` naming the field.
 * Private areas (`apps.<id>.<key>`) are accepted only for `ownApp`. `mayWrite` (the caller's grants)
 * is asked about every path before its value is looked at, so a writer without the grant costs the
 * hub nothing however large or odd the value.
 */
export function checkPatch(patch: unknown, ownApp?: string, mayWrite?: (path: string) => boolean): CheckedPatch {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw hubError('InvalidArgument', 'A patch is an object of field paths to values, e.g. { "contact.name": "Ada" }');
  }
  const entries = Object.keys(patch);
  if (entries.length === 0) throw hubError('InvalidArgument', 'The patch is empty');
  if (entries.length > 50) throw hubError('InvalidArgument', 'A patch writes at most 50 fields');
  // Paths first, all of them: names, PBX facts, private areas and grants; values after.
  const paths: [string, unknown][] = [];
  const name = (path: string) => {
    if (FORBIDDEN_KEYS.has(path) || path.split('.').some((p) => FORBIDDEN_KEYS.has(p))) {
      throw hubError('InvalidArgument', `"${path.slice(0, 80)}" is not a field`);
    }
    if (path.startsWith('apps.')) {
      const [, id, key, ...rest] = path.split('.');
      if (!id || !APP_ID.test(id) || !key || !APP_KEY.test(key) || rest.length) {
        throw hubError('InvalidArgument', `"${path.slice(0, 80)}" is not a private field: use apps.<your id>.<key>, key made of letters, digits, _ and -`);
      }
      if (id !== ownApp) throw hubError('PermissionDenied', `apps.${id} is the private area of app "${id}"; only it may write there`);
      return;
    }
    if (PBX_FIELDS.has(path.split('.')[0]!)) {
      throw hubError('PermissionDenied', `${path.slice(0, 80)} is a fact from the PBX: only the hub writes it`);
    }
    if (!Object.hasOwn(FIELD_SCHEMAS, path)) {
      throw hubError('InvalidArgument', `"${path.slice(0, 80)}" is not a field you can write (writable: ${FIELD_PATHS.join(', ')}, apps.<your id>.<key>)`);
    }
    if (mayWrite && !mayWrite(path)) {
      throw hubError('PermissionDenied', `${ownApp ? `App "${ownApp}"` : 'You'} may not write ${path}: it needs the grant "write:${path.split('.')[0]}"`);
    }
  };
  for (const path of entries) {
    const value = (patch as Record<string, unknown>)[path];
    if (path === 'contact' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (!keys.length) throw hubError('InvalidArgument', 'contact is empty: give fields such as { name, company }');
      if (keys.length > 50) throw hubError('InvalidArgument', 'A patch writes at most 50 fields');
      for (const k of keys) {
        name(`contact.${k}`);
        paths.push([`contact.${k}`, (value as Record<string, unknown>)[k]]);
      }
      continue;
    }
    name(path);
    paths.push([path, value]);
  }
  if (paths.length > 50) throw hubError('InvalidArgument', 'A patch writes at most 50 fields');
  const out: CheckedPatch = new Map();
  for (const [path, value] of paths) {
    if (value === null || value === undefined) {
      out.set(path, undefined);
      continue;
    }
    if (path.startsWith('apps.')) {
      out.set(path, plainJson(path, value));
      continue;
    }
    const result = v.safeParse((FIELD_SCHEMAS as Record<string, v.GenericSchema>)[path]!, value, { abortEarly: true });
    if (!result.success) throw hubError('InvalidArgument', `${path} must be ${result.issues[0].message}`);
    out.set(path, result.output);
  }
  return out;
}

/**
 * A copy of an app's value if it is plain JSON data (objects, arrays, text, numbers, booleans, null)
 * within the limits. Walked by hand, counting as it goes, before any `JSON.stringify`: a sparse array's
 * `length` or a deep nest is refused before it costs anything.
 */
function plainJson(path: string, value: unknown): unknown {
  let nodes = 0;
  let bytes = 0;
  const refuse = (why: string): never => {
    throw hubError('InvalidArgument', `${path} ${why}`);
  };
  const walk = (x: unknown, depth: number): unknown => {
    if (++nodes > MAX_APP_NODES) refuse(`has more than ${MAX_APP_NODES} entries`);
    if (bytes > MAX_APP_VALUE) refuse(`is more than ${MAX_APP_VALUE} bytes as JSON; at most ${MAX_APP_VALUE}`);
    if (x === null || typeof x === 'boolean') {
      bytes += 5;
      return x;
    }
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) refuse('must be plain JSON: numbers must be finite');
      bytes += 24;
      return x;
    }
    if (typeof x === 'string') {
      bytes += x.length + 2;
      if (bytes > MAX_APP_VALUE) refuse(`is more than ${MAX_APP_VALUE} bytes as JSON; at most ${MAX_APP_VALUE}`);
      return x;
    }
    if (typeof x !== 'object') return refuse('must be plain JSON (objects, arrays, text, numbers, true/false)');
    if (depth > MAX_APP_DEPTH) refuse(`is nested more than ${MAX_APP_DEPTH} deep`);
    if (Array.isArray(x)) {
      if (x.length > MAX_APP_NODES) refuse(`has more than ${MAX_APP_NODES} entries`);
      if (Object.keys(x).length !== x.length) refuse('must be plain JSON: a list with no holes');
      bytes += 2;
      return x.map((item) => walk(item, depth + 1));
    }
    if (Object.getPrototypeOf(x) !== Object.prototype && Object.getPrototypeOf(x) !== null) {
      refuse('must be plain JSON (objects, arrays, text, numbers, true/false)');
    }
    const out: Record<string, unknown> = {};
    bytes += 2;
    for (const key of Object.keys(x)) {
      if (FORBIDDEN_KEYS.has(key)) refuse(`must be plain JSON: "${key.slice(0, 40)}" is not a key an app may use`);
      bytes += key.length + 4;
      out[key] = walk((x as Record<string, unknown>)[key], depth + 1);
    }
    return out;
  };
  const copy = walk(value, 0);
  const json = JSON.stringify(copy);
  if (json.length > MAX_APP_VALUE) refuse(`is ${json.length} bytes as JSON; at most ${MAX_APP_VALUE}`);
  return copy;
}

/**
 * Whether a record is within the limits every writer shares: each app's private area at most
 * `MAX_APP_KEYS` keys and `MAX_APP_AREA` bytes, the whole record at most `MAX_RECORD_BYTES`.
 * Returns why not, or undefined. `apps` names the areas the write touched.
 */
export function overLimits(record: { apps?: Record<string, Record<string, unknown>> }, apps: Iterable<string>): string | undefined {
  for (const id of apps) {
    const area = record.apps?.[id];
    if (!area) continue;
    const keys = Object.keys(area).length;
    if (keys > MAX_APP_KEYS) return `apps.${id} would hold ${keys} keys; at most ${MAX_APP_KEYS}: clear keys you no longer need`;
    const size = JSON.stringify(area).length;
    if (size > MAX_APP_AREA) return `apps.${id} would be ${size} bytes as JSON; at most ${MAX_APP_AREA}: clear keys you no longer need`;
  }
  const size = JSON.stringify(record).length;
  if (size > MAX_RECORD_BYTES) return `the call record would be ${size} bytes as JSON; at most ${MAX_RECORD_BYTES}`;
  return undefined;
}
