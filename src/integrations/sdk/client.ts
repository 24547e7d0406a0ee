/**
 * The SDK's client over a port the hub handed out: calls, subscriptions (the call feed's deltas applied
 * to a copy of each call), patches and dial. No DOM: `connect()` (patchbay.ts) gets its port from the
 * panel; the hub's built-in integrations (the Gmail logger, the webhook sender) use it inside the hub,
 * on the same terms as an iframed app.
 */
import { wrap, type ProxyMarked } from 'comlink';
import type { AppFeedMessage } from '../../shared/app-protocol.ts';
import { CallMirror, MIRROR_CALLS, type FeedEvent, type FeedItem } from '../../shared/call-feed.ts';
import type { CallRecord } from '../../shared/api.ts';

export type {
  CallDirection, CallEvent, CallEventType, CallOutcome, CallRecord, CallState, Contact, Party, Provenance, RecordKind,
} from '../../shared/api.ts';

/**
 * One change to a call the panel holds. `current`: the call was already in the panel when you
 * subscribed. `created`: a call starts ringing or dialling. `updated`: someone wrote fields (listed in
 * `changed`, e.g. `contact.name`, `notes`, `state`). `ended`: the call is over (it stays in the panel
 * for wrap-up). `opened`: the user opened a previous call, or looked up a number or a business card
 * with no call, for you to enrich. `closed`: it left the panel.
 */
export type CallChangeEvent = FeedEvent;

/** Who you are to the panel. */
export interface AppInfo {
  id: string;
  name: string;
  origin: string;
  /** `read`, `dial`, `write:<field or prefix>` (e.g. `write:contact`, `write:notes`). */
  grants: string[];
}

/** The names errors carry (`error.name`). */
export type PatchbayErrorName =
  | 'NotEmbedded'
  | 'NotConnected'
  | 'PermissionDenied'
  | 'InvalidMessage'
  | 'VersionConflict'
  | 'NotFound'
  | 'RateLimited'
  | 'NotSignedIn'
  | 'InvalidArgument';

/**
 * Enrichment as dotted paths: `contact.name`, `contact.company`, `contact.title`, `contact.email`,
 * `contact.address`, `contact.avatarUrl`, `contact.links`, `notes`, `subject`, `tags`, `labels`,
 * `account`, `opportunity`, `ticket`, and your private area `apps.<your id>.<key>` (any JSON, 16 KB).
 * `null` clears a field.
 */
export type FieldPatch = Record<string, unknown>;

export interface Patchbay {
  readonly app: AppInfo;
  readonly calls: {
    /** Calls in the panel (`live: true`), or the most recent calls. Needs `read`. */
    list(options?: { live?: boolean; limit?: number }): Promise<CallRecord[]>;
    /** Needs `read`; `NotFound` for an unknown id. */
    get(id: string): Promise<CallRecord>;
    /**
     * Calls `listener` for every change, starting with a `current` event per call already in the
     * panel. Resolves with a function that stops it. Needs `read`.
     */
    subscribe(listener: (event: CallChangeEvent) => void): Promise<() => Promise<void>>;
    /**
     * Writes fields your grants allow to a call in the panel. With `ifVersion`, fails with
     * `VersionConflict` unless the call is still at that version. A write that changes nothing
     * keeps the version and tells nobody.
     */
    patch(id: string, fields: FieldPatch, options?: { ifVersion?: number }): Promise<{ version: number }>;
  };
  readonly phone: {
    /**
     * Click-to-call. Needs `dial`. The panel asks the user first; resolves with the new call's id once
     * the user presses Call, fails with `PermissionDenied` on Cancel (or after a minute unanswered).
     */
    dial(number: string): Promise<{ id: string }>;
  };
  /** Stops every subscription and closes the connection. */
  close(): void;
}

/** The hub's side of the port, as Comlink calls it (nested objects are method groups, not values). */
interface AppWire {
  hello(): AppInfo;
  calls: ProxyMarked & {
    list(options?: { live?: boolean; limit?: number }): CallRecord[];
    get(id: string): CallRecord;
    subscribe(): { sub: number };
    unsubscribe(sub: number): void;
    patch(id: string, fields: FieldPatch, options?: { ifVersion?: number }): { version: number };
  };
  phone: ProxyMarked & { dial(number: string): { id: string } };
}


/**
 * The API over a port the hub handed out. `connect()` gets its port from the panel; Patchbay's built-in
 * integrations (the Gmail logger, the webhook sender) get theirs inside the hub, on the same terms.
 */
export async function attach(port: MessagePort): Promise<Patchbay> {
  const hub = wrap<AppWire>(port);
  /** Per subscription, its copy of the calls it was told of (the feed's deltas apply to it). */
  const mirrors = new Map<number, { mirror: CallMirror; started: Promise<void>; start: () => void }>();
  /** Feed items that arrived before `subscribe()` had its subscription number, by subscription. */
  const early = new Map<number, FeedItem[]>();

  const deliver = (sub: number, items: FeedItem[]) => {
    const m = mirrors.get(sub);
    if (!m) return;
    m.mirror.apply(items);
    if (items.some((item) => 'snapshot' in item)) m.start();
  };
  port.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as AppFeedMessage | null;
    if (data?.patchbay !== 'feed' || typeof data.sub !== 'number' || !Array.isArray(data.items)) return;
    if (mirrors.has(data.sub)) deliver(data.sub, data.items);
    else {
      const list = early.get(data.sub) ?? [];
      if (list.length < 1000) list.push(...data.items);
      early.set(data.sub, list);
    }
  });
  port.start();
  const app = await hub.hello();
  return {
    app,
    calls: {
      list: (o) => hub.calls.list(o),
      get: (id) => hub.calls.get(id),
      async subscribe(listener) {
        const { sub } = await hub.calls.subscribe();
        let start!: () => void;
        const started = new Promise<void>((resolve) => (start = resolve));
        const tell = (event: CallChangeEvent) => {
          try {
            listener(event);
          } catch (error) {
            reportError(error);
          }
        };
        const mirror = new CallMirror(tell, (id) => hub.calls.get(id), MIRROR_CALLS, reportError);
        mirrors.set(sub, { mirror, started, start });
        deliver(sub, early.get(sub) ?? []);
        early.delete(sub);
        // Resolves once the calls already in the panel were told (as `current`).
        await started;
        return async () => {
          mirrors.delete(sub);
          await hub.calls.unsubscribe(sub);
        };
      },
      patch: (id, fields, o) => hub.calls.patch(id, fields, o),
    },
    phone: { dial: (number) => hub.phone.dial(number) },
    close() {
      mirrors.clear();
      port.close();
    },
  } satisfies Patchbay;
}

