// `npm start`: installs what is missing, builds, and serves the app. "Try the demo" works with
// nothing else installed: the demo PBX runs inside the browser.
import { ensureBuild, ensureNodeModules } from './setup.mjs';

ensureNodeModules();
ensureBuild();
const { serve } = await import('./serve.mjs');
const port = Number(process.env.PORT ?? 8080);
const site = await serve({ port, host: process.env.HOST ?? '127.0.0.1' });
console.log(`Patchbay is running at ${site.url}  (Ctrl+C to stop)`);
console.log('Open it, press "Try the demo", and a demo caller rings a few seconds later.');
