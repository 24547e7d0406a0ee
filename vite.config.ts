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

export default defineConfig({
  // Relative URLs: the built site works from any static host under any base path.
  base: './',
  define: { __BUILD_ID__: JSON.stringify(buildId) },
  plugins: [sipGrammarOnce(), sdk(), pwa()],
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
