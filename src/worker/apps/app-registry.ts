/**
 * The app registry: which business apps may connect, from which origin, with which grants. The admin's
 * list comes from config.json (read by a tab), the user's from the settings; both are checked here.
 */
import * as v from 'valibot';
import type { AppEntry } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';
import { APP_ID, boundedArray, FIELD_PATHS, RESERVED_APP_IDS } from '../../shared/fields.ts';
import { parse } from '../../shared/schema.ts';

/** Writable prefixes: every field path and each group above it ("contact"). */
const WRITABLE = new Set<string>([...FIELD_PATHS, ...FIELD_PATHS.filter((p) => p.includes('.')).map((p) => p.split('.')[0]!)]);

/** `read`, `dial`, or `write:<field or prefix>`. */
export function isGrant(grant: string): boolean {
  if (grant === 'read' || grant === 'dial') return true;
  return grant.startsWith('write:') && WRITABLE.has(grant.slice(6));
}

/** Requests per second an app may make, sustained, and the burst above it. */
export const DEFAULT_RATE = 100;

const AppSchema = v.object({
  id: v.pipe(
    v.string(),
    v.regex(APP_ID, 'an id of lower-case letters, digits and dashes (at most 40)'),
    v.check((id) => !RESERVED_APP_IDS.has(id), 'an id other than user, pbx, contacts and the other names Patchbay keeps for itself'),
  ),
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'a name'), v.maxLength(60, 'a name of at most 60 characters')),
  url: v.pipe(
    v.string(),
    v.maxLength(2048),
    v.url('an absolute URL'),
    v.check((u) => /^https?:\/\//i.test(u), 'an http(s) URL'),
    // One spelling per address (`HTTP://Host:80/` is `http://host/`): the panel compares it with the
    // iframe's own `src`, which the browser keeps normalised.
    v.transform((u) => new URL(u).href),
  ),
  grants: boundedArray(v.pipe(v.string(), v.check(isGrant, 'read, dial or write:<field>')), 30, 'grants'),
  rate: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
});

export type RegisteredApp = AppEntry & { origin: string; rate?: number };

/**
 * Checks a list of apps. An app on the panel's own origin is refused: a sandboxed iframe with scripts
 * and its own origin could reach into the panel.
 */
export function checkApps(list: unknown, source: AppEntry['source'], panelOrigin: string): RegisteredApp[] {
  if (!Array.isArray(list)) throw hubError('InvalidArgument', 'apps must be a list');
  if (list.length > 20) throw hubError('InvalidArgument', 'at most 20 apps');
  const out: RegisteredApp[] = [];
  for (const [i, raw] of list.entries()) {
    const app = parse(AppSchema, raw, `App ${i + 1}`);
    const origin = new URL(app.url).origin;
    if (origin === panelOrigin) {
      throw hubError('InvalidArgument', `App "${app.id}" is served from the panel's own origin; serve apps from another origin`);
    }
    if (out.some((a) => a.id === app.id)) throw hubError('InvalidArgument', `Two apps have the id "${app.id}"`);
    out.push({ ...app, grants: [...new Set(app.grants)], source, origin });
  }
  return out;
}

/** Whether `grants` let an app write `path` (its own private area is always allowed). */
export function mayWrite(app: Pick<AppEntry, 'id' | 'grants'>, path: string): boolean {
  if (path.startsWith(`apps.${app.id}.`)) return true;
  return app.grants.some((g) => g.startsWith('write:') && (path === g.slice(6) || path.startsWith(`${g.slice(6)}.`)));
}
