/**
 * The API an iframed business app gets, on a MessagePort its panel tab handed over. An app is a stranger:
 * nothing here is `Comlink.expose`d (Comlink walks any property path a peer sends, and
 * `constructor.constructor` reaches `Function`). Instead the port speaks the part of Comlink's wire format
 * a `Comlink.wrap` caller uses for method calls (`APPLY` on a known path, raw arguments), every message and
 * argument is checked against a schema, each method is looked up in an allowlist, grants are checked per
 * field, and each app's requests are rate-limited. Push events travel as plain messages Comlink ignores.
 */
import * as v from 'valibot';
import type { CallRecord } from '../../shared/api.ts';
import type { AppFeedMessage } from '../../shared/app-protocol.ts';
import { DEFAULT_RATE, mayWrite, type RegisteredApp } from './app-registry.ts';
import { hubError } from '../../shared/errors.ts';
import { boundedArray, callId, checkPatch } from '../../shared/fields.ts';
import { parse as parseWith } from '../../shared/schema.ts';
import type { CallBook } from '../calls/call-book.ts';
import { openFeed, type Feed } from '../calls/call-feed.ts';
import type { AppOutbox } from './app-outbox.ts';
import type { DialRequests } from './dial-requests.ts';
import { logger } from '../log.ts';

const log = logger('apps');

const RequestSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  type: v.picklist(['GET', 'SET', 'APPLY', 'CONSTRUCT', 'ENDPOINT', 'RELEASE']),
  path: v.optional(boundedArray(v.pipe(v.string(), v.maxLength(32)), 3, 'names'), []),
  argumentList: v.optional(
    boundedArray(v.object({ type: v.literal('RAW', 'arguments must be plain values'), value: v.unknown() }), 4, 'arguments'),
    [],
  ),
});
const ListOptions = v.optional(
  v.strictObject({
    live: v.optional(v.boolean()),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100, 'at most 100'))),
  }),
  {},
);
const PatchOptions = v.optional(v.strictObject({ ifVersion: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) }), {});

/** An app's request or argument checked: a refusal is `InvalidMessage`, naming what and where. */
const parse = <S extends v.GenericSchema>(schema: S, value: unknown, what: string) => parseWith(schema, value, what, 'InvalidMessage');

/**
 * A token bucket per app: `rate` tokens a second sustained, twice that in a burst. A request takes one
 * token to be looked at; a write is then charged what it costs the hub (`writeCost`), which may leave
 * the bucket in debt: the app's next requests wait until it is paid off.
 */
class RateLimit {
  private tokens: number;
  private at = performance.now();
  constructor(private rate: number) {
    this.tokens = rate * 2;
  }
  /** The registry's rate for the app, read with every request: an administrator's change applies at once. */
  setRate(rate: number): void {
    // The time since the last request is credited at the new rate.
    if (rate === this.rate) return;
    this.rate = rate;
    this.tokens = Math.min(this.tokens, rate * 2);
  }
  private refill() {
    const now = performance.now();
    this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  /** Takes `cost` tokens if the bucket holds them. */
  charge(cost: number): boolean {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

/**
 * What a write costs beyond its request, in tokens: the hub writes the whole record through to
 * IndexedDB and tells every subscriber, so a write is charged one token per 4 KB of the record and of
 * the values it writes (a small record: nothing extra; one at the size limit: about 128 tokens).
 */
export function writeCost(record: CallRecord, values: Iterable<unknown>): number {
  let bytes = JSON.stringify(record).length;
  for (const value of values) bytes += value === undefined ? 0 : JSON.stringify(value).length;
  return Math.floor(bytes / 4096);
}
const limits = new Map<string, RateLimit>();

const MAX_SUBSCRIPTIONS = 10;

/** What the app API needs of the hub (the hub is it; a benchmark builds one from parts). */
export interface AppHost {
  readonly book: CallBook;
  readonly outbox: AppOutbox;
  readonly dialRequests: DialRequests;
  /** The app's registry entry as it is now; undefined once it left the registry. */
  app(id: string): RegisteredApp | undefined;
}

/**
 * Serves one app on `port` until the port is closed. Returns a function that closes it (the panel tab
 * that handed it over went away, or the app left the registry). The app's entry is read from the
 * registry again for every request: a grant taken away is gone at once, and an app no longer in the
 * registry has its port closed, unanswered.
 */
export function serveApp(port: MessagePort, appId: string, hub: AppHost): () => void {
  let app: RegisteredApp = hub.app(appId)!;
  const subscriptions = new Map<number, Feed>();
  let nextSub = 1;
  let limit = limits.get(app.id);
  if (!limit) limits.set(app.id, (limit = new RateLimit(app.rate ?? DEFAULT_RATE)));
  const bucket = limit;
  const dials = new Set<string>();

  const need = (grant: string) => {
    if (!app.grants.includes(grant)) throw hubError('PermissionDenied', `App "${app.id}" has no "${grant}" grant`);
  };

  const methods: Record<string, (args: unknown[]) => unknown> = {
    hello: () => ({ id: app.id, name: app.name, origin: app.origin, grants: [...app.grants] }),

    'calls.list': async ([options]) => {
      need('read');
      const o = parse(ListOptions, options, 'options');
      return hub.book.list({ live: o.live === true, limit: o.limit ?? 20 });
    },

    'calls.get': async ([id]) => {
      need('read');
      const record = await hub.book.get(parse(callId, id, 'id'));
      if (!record) throw hubError('NotFound', `No call with id ${String(id)}`);
      return record;
    },

    'calls.subscribe': () => {
      need('read');
      if (subscriptions.size >= MAX_SUBSCRIPTIONS) throw hubError('RateLimited', `At most ${MAX_SUBSCRIPTIONS} subscriptions per app`);
      const sub = nextSub++;
      const feed = openFeed(hub.book, () => hub.book.cached(), (items) => port.postMessage({ patchbay: 'feed', sub, items } satisfies AppFeedMessage));
      subscriptions.set(sub, feed);
      // What the user wrote while this app was away (offline, or its panel closed) comes first.
      void hub.outbox.take(app.id).then(async (waiting) => {
        for (const [id, changed] of waiting) {
          const call = await hub.book.get(id);
          if (call && subscriptions.get(sub) === feed) feed.push({ type: 'updated', call, changed });
        }
      });
      return { sub };
    },

    'calls.unsubscribe': ([sub]) => {
      const n = parse(v.number(), sub, 'subscription');
      subscriptions.get(n)?.close();
      subscriptions.delete(n);
    },

    'calls.patch': async ([id, fields, options]) => {
      const callIdValue = parse(callId, id, 'id');
      const { ifVersion } = parse(PatchOptions, options, 'options');
      const invalid = (error: unknown) => {
        if ((error as Error).name === 'InvalidArgument') return hubError('InvalidMessage', (error as Error).message);
        return error as Error;
      };
      let checked;
      try {
        // Grants are checked on every path before any value is looked at.
        checked = checkPatch(fields, app.id, (path) => mayWrite(app, path));
      } catch (error) {
        throw invalid(error);
      }
      if (!hub.book.isCached(callIdValue)) {
        const known = await hub.book.get(callIdValue);
        if (!known) throw hubError('NotFound', `No call with id ${callIdValue}`);
        throw hubError('PermissionDenied', 'Apps write only to the calls in the panel (ringing, in progress, just ended, or opened by the user)');
      }
      const cost = writeCost((await hub.book.get(callIdValue))!, checked.values());
      if (!bucket.charge(cost)) {
        throw hubError('RateLimited', `App "${app.id}" wrote more than its budget allows (this write costs ${cost + 1} requests: the record is large); slow down and retry`);
      }
      const record = await hub.book.patch(callIdValue, app.id, checked, ifVersion).catch((error: unknown) => {
        throw invalid(error);
      });
      return { version: record.version };
    },

    'phone.dial': async ([target]) => {
      need('dial');
      const number = parse(v.pipe(v.string('a number'), v.minLength(1), v.maxLength(64, 'at most 64 characters')), target, 'number');
      // The user confirms every call an app asks for, in the panel.
      const request = hub.dialRequests.ask(app, number);
      dials.add(request.id);
      try {
        return { id: await request.placed };
      } finally {
        dials.delete(request.id);
      }
    },
  };

  const reply = (id: string, value: unknown) => port.postMessage({ id, type: 'RAW', value });
  const fail = (id: string, error: Error) =>
    port.postMessage({
      id,
      type: 'HANDLER',
      name: 'throw',
      value: { isError: true, value: { name: error.name, message: error.message } },
    });

  port.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data;
    // Without an id there is nobody to answer.
    if (typeof data !== 'object' || data === null || typeof (data as { id?: unknown }).id !== 'string') return;
    const current = hub.app(appId);
    if (!current) {
      close();
      return;
    }
    app = current;
    bucket.setRate(app.rate ?? DEFAULT_RATE);
    const id = String((data as { id: string }).id).slice(0, 64);
    if (!bucket.take()) {
      fail(id, hubError('RateLimited', `App "${app.id}" sent more than ${app.rate ?? DEFAULT_RATE} requests a second; slow down and retry`));
      return;
    }
    let request: v.InferOutput<typeof RequestSchema>;
    try {
      request = parse(RequestSchema, data, 'message');
    } catch (error) {
      fail(id, error as Error);
      return;
    }
    if (request.type === 'RELEASE') {
      reply(id, undefined);
      return;
    }
    const name = request.path.join('.');
    const method = request.type === 'APPLY' && Object.hasOwn(methods, name) ? methods[name] : undefined;
    if (!method) {
      fail(id, hubError('InvalidMessage', `Unknown call ${request.type} ${name.slice(0, 80) || '(empty path)'}: apps may call ${Object.keys(methods).join(', ')}`));
      return;
    }
    Promise.resolve()
      .then(() => method(request.argumentList.map((a) => a.value)))
      .then(
        (value) => reply(id, value),
        (error: unknown) => {
          const e = error instanceof Error ? error : new Error(String(error));
          if (!['PermissionDenied', 'InvalidMessage', 'VersionConflict', 'NotFound', 'RateLimited'].includes(e.name)) {
            log.warn(`app ${app.id}: ${name} failed`, e);
          }
          fail(id, e);
        },
      );
  };
  port.start();

  const close = () => {
    for (const feed of subscriptions.values()) feed.close();
    subscriptions.clear();
    for (const id of dials) hub.dialRequests.withdraw(id, 'The app was disconnected');
    port.onmessage = null;
    port.close();
  };
  return close;
}
