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
import { attach, type Patchbay, type PatchbayErrorName } from './client.ts';

// The SDK's API is `connect()` and these types; `attach` (a port the hub hands out) stays inside Patchbay.
export type {
  AppInfo, CallChangeEvent, CallDirection, CallEvent, CallEventType, CallOutcome, CallRecord, CallState, Contact, FieldPatch,
  Party, Patchbay, PatchbayErrorName, Provenance, RecordKind,
} from './client.ts';

export interface ConnectOptions {
  /** How long to wait for the panel, in ms (default 5000). */
  timeout?: number;
  /**
   * The panel's origin, e.g. `https://phone.example.com`: the only window `connect()` talks to. Defaults
   * to the origin this module was loaded from; required when that is your own origin (a self-hosted copy).
   */
  panelOrigin?: string;
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
  }).then(attach);
}

