/**
 * What the hub pushes to an app on its port, besides the replies to its requests: the types the hub
 * (apps/app-api.ts) and the SDK (integrations/sdk) share.
 */
import type { CallChange, CallRecord } from './api.ts';

/** What an app's subscriber receives. `current`: a record already in the panel when it subscribed. */
export interface AppEvent {
  type: Exclude<CallChange['type'], 'snapshot'> | 'current';
  call: CallRecord;
  changed: string[];
}

/**
 * An `updated` event for a call the subscriber already holds at the previous version: only what
 * changed travels (the SDK applies it to its copy and hands the app the whole record).
 */
export interface AppDelta {
  type: 'updated';
  id: string;
  version: number;
  changed: string[];
  /** New values of the changed paths; a path missing here was cleared. */
  values: Record<string, unknown>;
  provenance: CallRecord['provenance'];
}

/**
 * Pushed to the app (no `id`, so a Comlink caller's reply listener ignores it). The events of one
 * turn of the hub (say, a batch of patches written together) travel as one message, in order.
 */
export interface AppEventMessage {
  patchbay: 'events';
  events: ({ sub: number; event: AppEvent } | { sub: number; delta: AppDelta })[];
}

/** How many calls a subscription remembers the version of (the SDK keeps more: see KNOWN_CALLS there). */
export const KNOWN_CALLS = 100;
