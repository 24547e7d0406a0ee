// `npm start`: installs what is missing, builds, and serves the app. "Try the demo" works with
// nothing else installed: the demo PBX runs inside the browser.
import { ensureBuild, ensureNodeModules } from './setup.mjs';

ensureNodeModules();
ensureBuild();
const { serve } = await import('./serve.mjs');
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
// The two demo business apps are served from a second origin, as a real vendor's would be (they are not
// part of the built site). Its /panel.json names the phone they serve: they import the SDK from there.
const apps = await serve({ port: Number(process.env.APPS_PORT ?? port + 1), host, mounts: { '/examples/': 'src/integrations/examples' } });
const config = {
  server: '',
  sipDomain: '',
  apps: [
    { id: 'crm', name: 'CRM', url: `${apps.url}examples/demo-apps/crm/`, grants: ['read', 'write:contact', 'dial'] },
    { id: 'helpdesk', name: 'Helpdesk', url: `${apps.url}examples/demo-apps/helpdesk/`, grants: ['read', 'write:ticket', 'write:tags'] },
  ],
};
const site = await serve({ port, host, files: { '/config.json': JSON.stringify(config, null, 2) } });
apps.setFile('/panel.json', JSON.stringify({ url: site.url }));
console.log(`Patchbay is running at ${site.url}  (Ctrl+C to stop)`);
console.log(`Its two demo apps (a CRM and a helpdesk) are served from ${apps.origin}; to try the SDK's example,`);
console.log(`add ${apps.url}examples/hello-app/ in Settings → Apps (grants: read calls, write tags).`);
console.log('Open it, press "Try the demo", and a demo caller rings a few seconds later.');
