/**
 * The hub: a module SharedWorker holding the one PBX session for every tab of this browser profile.
 * Each connecting port gets its own TabApi object. In browsers without SharedWorker the same script
 * runs as a dedicated worker in the one tab elected to host it (components/hub-link.ts), which hands it
 * a port per tab as a message.
 */
import { expose } from 'comlink';
import { isHubConnect } from '../shared/hub-relay.ts';
import { Hub } from './hub-core.ts';
import { logger } from './log.ts';
import { preconnect } from './sip/preconnect.ts';
import { warmUpSip } from './sip/sip-phone.ts';
import { rememberedServer } from './store/credentials.ts';
import { createTabApi } from './tab-api.ts';

declare const self: SharedWorkerGlobalScope;
declare const __BUILD_ID__: string;

const log = logger('hub');
// The remembered sign-in's WebSocket opens while the store opens and the sign-in is decrypted.
void rememberedServer().then((server) => server && preconnect(server));
const ready = Hub.start(__BUILD_ID__);
ready.catch((error) => log.error('the hub could not start', error));
// While IndexedDB opens, one step a task: the sign-in that follows finds sip.js ready.
const warmUp = (steps: (() => void)[]) => {
  const [step, ...rest] = steps;
  if (!step) return;
  setTimeout(() => {
    try {
      step();
    } catch (error) {
      log.warn('sip.js warm-up', error);
    }
    warmUp(rest);
  });
};
warmUp(warmUpSip);

self.addEventListener('connect', (event) => {
  const port = (event as MessageEvent).ports[0];
  if (!port) return;
  expose(createTabApi(ready), port);
});
// Only the hosting tab can post to its dedicated worker: these are its port and those of the other tabs.
self.addEventListener('message', (event) => {
  const { data, ports } = event as MessageEvent;
  const port = ports[0];
  if (isHubConnect(data) && port) expose(createTabApi(ready), port);
});
