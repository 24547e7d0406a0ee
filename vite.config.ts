import { defineConfig } from 'vite';

// One id per build, shared by the panel and the hub: a tab from a newer build than the running hub
// is told so and offered a reload.
const buildId = process.env.PATCHBAY_BUILD_ID ?? new Date().toISOString().replace(/\D/g, '').slice(0, 14);

export default defineConfig({
  // Relative URLs: the built site works from any static host under any base path.
  base: './',
  define: { __BUILD_ID__: JSON.stringify(buildId) },
  build: { target: 'es2022', sourcemap: true, outDir: 'dist' },
  worker: {
    format: 'es',
    // A stable name: the SharedWorker is keyed by its URL, so every build must reach the same hub.
    rollupOptions: { output: { entryFileNames: 'hub.js', chunkFileNames: 'hub-[name]-[hash].js' } },
  },
});
