import { defineConfig, type Plugin } from 'vite';
import { pwa } from './scripts/pwa.mjs';
import { sdk } from './scripts/sdk-build.mjs';

// One id per build, shared by the panel and the hub: a tab from a newer build than the running hub
// is told so and offered a reload.
const buildId = process.env.PATCHBAY_BUILD_ID ?? new Date().toISOString().replace(/\D/g, '').slice(0, 14);

/**
 * sip.js 0.21's generated SIP grammar decodes its whole bytecode table again for every header it
 * parses (about 6 ms of every incoming INVITE in the hub). The table is constant data: decode it
 * once. Fails the build if the grammar's shape changes, so this never silently stops applying.
 */
function sipGrammarOnce(): Plugin {
  const file = /sip\.js[\\/]lib[\\/]grammar[\\/]pegjs[\\/]dist[\\/]grammar\.js$/;
  return {
    name: 'patchbay:sip-grammar-bytecode-once',
    transform(code, id) {
      if (!file.test(id)) return null;
      const marker = 'const peg$bytecode = [';
      if (!code.includes(marker)) throw new Error('sip.js grammar changed: revisit sipGrammarOnce in vite.config.ts');
      return { code: `let peg$bytecodeOnce;\n${code.replace(marker, 'const peg$bytecode = peg$bytecodeOnce ??= [')}`, map: null };
    },
  };
}

/**
 * The hub starts before the panel's bundle runs: a one-line script early in <head> creates the
 * SharedWorker and leaves it on `self.patchbayHub`, which the panel's HubClient adopts (hub-client.ts).
 * The worker is started by a task on this page's main thread, which the panel's first task (its
 * bundle and first render, 50 to 80 ms on 2 cores) would otherwise hold up: the script blocks the
 * parser (it is tiny) so that the worker's start comes first. Its URL for the hub is the one the
 * panel's bundle resolves (`hub.js` beside it). Build only: the dev server serves the hub from its
 * source path, and the panel starts it itself.
 */
function earlyHub(): Plugin {
  const fileName = 'hub-start.js';
  const source = [
    '// Starts the hub (a module SharedWorker) before the panel\'s bundle runs; the panel adopts it (hub-client.ts).',
    '// In a frame the panel starts it: another site\'s frame may be allowed the site\'s own hub (embedding.ts).',
    '// sameSiteCookies: "none", as a storage access handle\'s SharedWorker always has: otherwise the two are different workers.',
    "if ('SharedWorker' in self && !self.patchbayHub && self === top) {",
    "  self.patchbayHub = new SharedWorker(new URL('hub.js', document.currentScript.src), { type: 'module', name: 'patchbay-hub', sameSiteCookies: 'none' });",
    '}',
    '',
  ].join('\n');
  return {
    name: 'patchbay:early-hub',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName, source });
    },
    transformIndexHtml: {
      order: 'post',
      // Right after the Content-Security-Policy, which applies to what follows it.
      handler(html) {
        const csp = /<meta\s+http-equiv="Content-Security-Policy"[^>]*>/;
        if (!csp.test(html)) throw new Error('index.html has no Content-Security-Policy meta: revisit earlyHub in vite.config.ts');
        return html.replace(csp, (meta) => `${meta}\n    <script src="./${fileName}"></script>`);
      },
    },
  };
}

export default defineConfig({
  // Relative URLs: the built site works from any static host under any base path.
  base: './',
  define: { __BUILD_ID__: JSON.stringify(buildId) },
  plugins: [sipGrammarOnce(), earlyHub(), sdk(), pwa()],
  build: { target: 'es2022', sourcemap: true, outDir: 'dist' },
  worker: {
    format: 'es',
    plugins: () => [sipGrammarOnce()],
    // A stable name: the SharedWorker is keyed by its URL, so every build must reach the same hub.
    rollupOptions: {
      output: {
        entryFileNames: 'hub.js',
        chunkFileNames: 'hub-[name]-[hash].js',
        // libphonenumber's metadata loads beside the hub (shared/phone-number.ts), under a name that says so.
        manualChunks: (id) => (id.includes('/libphonenumber-js/') || id.endsWith('/phone-metadata.ts') ? 'phone-numbers' : undefined),
      },
    },
  },
});
