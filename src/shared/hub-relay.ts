/**
 * Messages of the tab-hosted hub (browsers without SharedWorker): one tab runs the hub in a dedicated
 * worker and the others send it MessagePorts. A BroadcastChannel carries which hub is up and which tab
 * hosts it (it cannot carry ports); the service worker carries the ports from a tab to the host
 * (`Client.postMessage` transfers them). The host is named by its service-worker client id, which only
 * the service worker can tell a tab (a Web Lock's `clientId` is another id in Chromium). Every message
 * is checked before it is used: a port goes only where its message says.
 */

/** The BroadcastChannel the tabs use to find the hub's host. */
export const HUB_CHANNEL = 'patchbay-hub';
/** The Web Lock held by the tab that hosts the hub, for as long as it lives. */
export const HUB_LEADER_LOCK = 'patchbay-hub-leader';

/**
 * On the channel: the host announces its hub and its client id (`here`); a tab without a hub asks for
 * it (`where`).
 */
export type HubAnnouncement = { patchbay: 'hub-here'; hub: string; host: string } | { patchbay: 'hub-where' };

/** Tab → service worker: "what is my client id?"; service worker → tab: `hub-you`. */
export interface HubWhoAmI {
  patchbay: 'hub-whoami';
}
export interface HubYouAre {
  patchbay: 'hub-you';
  id: string;
}

/** Tab → service worker, with a port: "give this port to the client `leader`, for its hub `hub`". */
export interface HubPortRequest {
  patchbay: 'hub-port';
  leader: string;
  hub: string;
}

/** Service worker → host tab, with the port. Host tab → its hub worker: `hub-connect`, with the port. */
export interface HubPortDelivery {
  patchbay: 'hub-port';
  hub: string;
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 100;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export function isHubAnnouncement(data: unknown): data is HubAnnouncement {
  if (!isRecord(data)) return false;
  return data.patchbay === 'hub-where' || (data.patchbay === 'hub-here' && isId(data.hub) && isId(data.host));
}

export function isHubWhoAmI(data: unknown): data is HubWhoAmI {
  return isRecord(data) && data.patchbay === 'hub-whoami';
}

export function isHubYouAre(data: unknown): data is HubYouAre {
  return isRecord(data) && data.patchbay === 'hub-you' && isId(data.id);
}

export function isHubPortRequest(data: unknown): data is HubPortRequest {
  return isRecord(data) && data.patchbay === 'hub-port' && isId(data.leader) && isId(data.hub);
}

export function isHubPortDelivery(data: unknown): data is HubPortDelivery {
  return isRecord(data) && data.patchbay === 'hub-port' && isId(data.hub);
}

export function isHubConnect(data: unknown): data is { patchbay: 'hub-connect' } {
  return isRecord(data) && data.patchbay === 'hub-connect';
}
