// The pages the benchmarks load besides dist/: the baseline (one sip.js UserAgent per tab) and an
// instrumented copy of the app with the fan-out subscriber page. Bundled with Vite into .tmp/ and
// served by scripts/serve.mjs on loopback.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serve } from '../../scripts/serve.mjs';
import { DIST } from './dist.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const at = (...p) => path.join(ROOT, ...p);

async function bundle(root, outDir, input) {
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      rollupOptions: input ? { input } : undefined,
    },
  });
}

/** The baseline page, built and served. Its URL takes ?server=&aor=&password=. */
export async function baselineSite() {
  const out = at('.tmp/bench-baseline');
  await bundle(at('bench/baseline'), out);
  // Not the panel: the baseline opens its own WebSocket to the PBX, which the panel's policy forbids.
  return serve({ dir: out, policy: false });
}

/**
 * The built app (a copy of the benchmarks' build) with bench/fanout/hub-probe.js prepended to its hub.js, next to
 * the fan-out subscriber page (fanout.html). Served from its own origin, so its hub is not the
 * app's. `appUrl` opens the app with #bench-relay (the page probe passes on the hub's posts).
 */
export async function instrumentedSite() {
  const out = at('.tmp/bench-instrumented');
  await bundle(at('bench/fanout'), out, { fanout: at('bench/fanout/fanout.html') });
  cpSync(at(DIST), out, { recursive: true, filter: (src) => !src.endsWith('.map') });
  const probe = readFileSync(at('bench/fanout/hub-probe.js'), 'utf8');
  writeFileSync(path.join(out, 'hub.js'), `${probe}\n${readFileSync(at(DIST, 'hub.js'), 'utf8')}`);
  const site = await serve({ dir: out });
  return { ...site, fanoutUrl: `${site.url}fanout.html`, appUrl: `${site.url}#bench-relay` };
}

/** Waits until the baseline page (a bare `role=status`, no panel) says it is registered. */
export function baselineRegistered(page, timeout = 15000) {
  return page.getByRole('status').filter({ hasText: 'Registered' }).waitFor({ timeout });
}
