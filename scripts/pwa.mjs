// The service worker's build: vite-plugin-pwa compiles src/sw/sw.ts and injects the precache
// list (the app shell, the hub and its chunks, the SDK, icons and the manifest). The lazy demo PBX
// and the chunks only it loads are left out: they weigh about as much again as everything else and
// a phone on a real PBX never runs them. The service worker caches them when a hub it controls loads
// them (a hub started before the first installation is not controlled).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { VitePWA } from 'vite-plugin-pwa';

/** The chunk the hub imports only for "Try the demo". */
const DEMO_ENTRY = /^hub-demo-pbx-[\w-]+\.js$/;

/**
 * Drops from the precache list the JavaScript files reachable only through the demo chunk. A file
 * refers to another when it names it (static imports, dynamic imports, preload maps): over-counting
 * a reference only keeps a file in the precache, never drops one that is needed.
 * @param {{ url: string, size: number }[]} entries
 * @param {string} outDir
 */
export function withoutDemoOnly(entries, outDir) {
  const js = entries.filter((e) => e.url.endsWith('.js'));
  const text = new Map(entries.map((e) => [e.url, /\.(js|html)$/.test(e.url) ? readFileSync(join(outDir, e.url), 'utf8') : '']));
  const refs = (url) => js.filter((e) => e.url !== url && text.get(url).includes(basename(e.url))).map((e) => e.url);
  const referenced = new Set(entries.flatMap((e) => refs(e.url)));
  const isDemo = (url) => DEMO_ENTRY.test(basename(url));
  // Roots: whatever nothing else names (index.html, the SDK); hub.js is named by the panel's bundle.
  const reached = new Set();
  const queue = entries.map((e) => e.url).filter((u) => !referenced.has(u) && !isDemo(u));
  while (queue.length) {
    const url = queue.pop();
    if (reached.has(url)) continue;
    reached.add(url);
    for (const next of refs(url)) if (!isDemo(next)) queue.push(next);
  }
  const dropped = js.filter((e) => !reached.has(e.url)).map((e) => e.url);
  return { manifest: entries.filter((e) => !dropped.includes(e.url)), warnings: [] };
}

/**
 * Adds each file's subresource integrity: a deployment landing while a service worker installs
 * makes the install fail (and retry with the new version) instead of caching a mix of both.
 * @param {{ url: string, size: number }[]} entries
 * @param {string} outDir
 */
export function withIntegrity(entries, outDir) {
  const integrity = (url) => `sha384-${createHash('sha384').update(readFileSync(join(outDir, url))).digest('base64')}`;
  return { manifest: entries.map((e) => ({ ...e, integrity: integrity(e.url) })), warnings: [] };
}

/** vite-plugin-pwa with Patchbay's options; `outDir` follows `vite build --outDir`. */
export function pwa() {
  let outDir = 'dist';
  return [
    {
      name: 'patchbay:pwa-out-dir',
      apply: 'build',
      configResolved(config) {
        outDir = resolve(config.root, config.build.outDir);
      },
    },
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      // Registered by src/components/sw-update.ts (workbox-window); the manifest is public/manifest.webmanifest.
      injectRegister: false,
      manifest: false,
      injectManifest: {
        // A classic script: every browser with service workers runs it.
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        globIgnores: ['sw.js', '**/*.map'],
        // Content-hashed names need no revision.
        dontCacheBustURLsMatching: /^(assets\/.+|hub-.+)-[\w-]{8}\.\w+$/,
        manifestTransforms: [(entries) => withoutDemoOnly(entries, outDir), (entries) => withIntegrity(entries, outDir)],
      },
    }),
  ];
}
