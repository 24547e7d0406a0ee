/**
 * The hub: a module SharedWorker holding the one PBX session for every tab of this browser profile.
 * Each connecting port gets its own TabApi object.
 */
import { expose } from 'comlink';
import { Hub } from './hub-core.ts';
import { logger } from './log.ts';
import { createTabApi } from './tab-api.ts';

declare const self: SharedWorkerGlobalScope;
declare const __BUILD_ID__: string;

const log = logger('hub');
const ready = Hub.start(__BUILD_ID__);
ready.catch((error) => log.error('the hub could not start', error));

self.addEventListener('connect', (event) => {
  const port = (event as MessageEvent).ports[0];
  if (!port) return;
  expose(createTabApi(ready), port);
});
