/**
 * What the hub pushes to an app on its port besides the replies to its requests: the call feed
 * (shared/call-feed.ts) of each of its subscriptions. The types the hub (worker/apps/app-api.ts) and
 * the SDK (integrations/sdk) share.
 */
import type { FeedItem } from './call-feed.ts';

/**
 * Pushed to the app (no `id`, so a Comlink caller's reply listener ignores it): the items of one turn
 * of the hub (say, a batch of patches written together) for one subscription, in order.
 */
export interface AppFeedMessage {
  patchbay: 'feed';
  sub: number;
  items: FeedItem[];
}
