/**
 * The Patchbay SDK for business apps shown in the Patchbay panel. Load it in your app's page (it is a
 * standalone ES module) and call `connect()`:
 *
 * ```js
 * import { connect } from 'https://phone.example.com/sdk/patchbay.js';
 * const pb = await connect();
 * const off = await pb.calls.subscribe((ev) => console.log(ev.type, ev.call.remote.number, ev.changed));
 * await pb.calls.patch(callId, { 'contact.name': 'Ada Lovelace' });
 * ```
 *
 * The panel checks your page's origin against its app registry and hands over a MessagePort to the
 * Patchbay hub; requests then go straight to the hub (Comlink), bound to the grants the registry gives you.
 *
 * `connect()` talks only to a panel of the origin this module was loaded from: import it from the phone
 * you are shown in, and a page of any other origin that frames your app gets nothing. A copy served from
 * your own origin has no such anchor: pass `{ panelOrigin }`.
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

export interface ConnectOptions {
  /** How long to wait for the panel, in ms (default 5000). */
  timeout?: number;
  /**
   * The panel's origin, e.g. `https://phone.example.com`: the only window `connect()` talks to. Defaults
   * to the origin this module was loaded from; required when that is your own origin (a self-hosted copy).
   */
  panelOrigin?: string;
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


function named(name: PatchbayErrorName, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Where this module was loaded from: the phone's own deployment, when apps import it as documented. */
const SDK_ORIGIN = new URL(import.meta.url).origin;

/**
 * The one origin `connect()` may talk to. Whatever page frames the app can answer a handshake, so there
 * must be an anchor the framer cannot choose: the caller's word, or where the SDK came from.
 */
function trustedPanel(panelOrigin: string | undefined): string {
  if (panelOrigin !== undefined) {
    let origin: string;
    try {
      origin = new URL(panelOrigin).origin;
    } catch {
      throw named('InvalidArgument', `panelOrigin must be an origin such as https://phone.example.com, not ${JSON.stringify(panelOrigin)}`);
    }
    if (origin === 'null') throw named('InvalidArgument', `panelOrigin ${JSON.stringify(panelOrigin)} has no origin`);
    return origin;
  }
  if (SDK_ORIGIN === 'null' || SDK_ORIGIN === location.origin) {
    throw named(
      'NotConnected',
      `The Patchbay SDK was loaded from this app's own origin (${location.origin}), so it cannot tell the panel from any page ` +
        "that frames this app: import it from the phone's site (https://phone.example.com/sdk/patchbay.js) or call " +
        "connect({ panelOrigin: 'https://phone.example.com' })",
    );
  }
  return SDK_ORIGIN;
}

/** Asks the panel this page is shown in for a connection to the hub. */
export function connect(options: ConnectOptions = {}): Promise<Patchbay> {
  const panel = window.parent;
  if (panel === window) {
    return Promise.reject(named('NotEmbedded', 'This page is not inside the Patchbay panel: open it from the panel\'s apps'));
  }
  let panelOrigin: string;
  try {
    panelOrigin = trustedPanel(options.panelOrigin);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const timeout = options.timeout ?? 5000;
  const nonce = crypto.randomUUID();
  return new Promise<MessagePort>((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      fn();
    };
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: unknown; nonce?: unknown; reason?: unknown } | null;
      if (event.source !== panel || event.origin !== panelOrigin || data?.nonce !== nonce) return;
      if (data.type === 'patchbay:port' && event.ports[0]) done(() => resolve(event.ports[0]!));
      else if (data.type === 'patchbay:refused') done(() => reject(named('PermissionDenied', String(data.reason ?? 'The panel refused this app'))));
    };
    const timer = setTimeout(
      () => done(() => reject(named(
        'NotConnected',
        `No panel at ${panelOrigin} answered within ${timeout} ms: is this page shown in that panel, and ${location.origin} in its app registry?`,
      ))),
      timeout,
    );
    window.addEventListener('message', onMessage);
    // Addressed to the trusted origin: a framer of any other origin never even sees the nonce.
    panel.postMessage({ type: 'patchbay:connect', version: 1, nonce }, panelOrigin);
  }).then(async (port) => {
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
  });
}
