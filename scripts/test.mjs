// `npm test`: the whole suite on a fresh machine. Installs what is missing, then runs the
// type-check, the linter, the build, the module tests in Chromium and the integration tests
// (which start Kamailio, rtpengine and a static server themselves and stop them after).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { ensureBuild, ensureNodeModules, ensureSystemPackages } from './setup.mjs';

const only = process.argv[2]; // optional: unit | integration
const totals = { passed: 0, failed: 0, skipped: 0 };

function run(cmd, args, { capture = false, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

async function step(name, fn) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const ok = await fn();
  console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (!ok) process.exitCode = 1;
  return ok;
}

ensureNodeModules();
ensureSystemPackages();
mkdirSync('.tmp', { recursive: true });

if (!only) {
  await step('type-check (tsc -b, and the benchmarks\' browser entries)', async () =>
    (await run('npx', ['tsc', '-b'])).code === 0 && (await run('npx', ['tsc', '-p', 'bench/tsconfig.json'])).code === 0);
  await step('lint (eslint, and the layout\'s import rules)', async () =>
    (await run('npx', ['eslint', '.'])).code === 0 && (await run('node', ['scripts/check-imports.mjs'])).code === 0);
}
await step('build (vite)', async () => {
  try {
    ensureBuild({ force: true });
    return true;
  } catch {
    return false;
  }
});

if (!only || only === 'unit') {
  await step('module tests (@web/test-runner, Chromium)', async () => {
    const { code, out } = await run('npx', ['web-test-runner', '--config', 'web-test-runner.config.mjs'], { capture: true });
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
    const m = [...plain.matchAll(/(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/g)].pop();
    if (m) {
      totals.passed += Number(m[1]);
      totals.failed += Number(m[2]);
      totals.skipped += Number(m[3] ?? 0);
    } else if (code !== 0) totals.failed += 1;
    return code === 0;
  });
}

// Integration files run one at a time (two at a time made the fault and logging tests flaky on 2 cores);
// those that measure the machine itself (the load run: long tasks, heap; the hidden tab: timer
// throttling), the deployment test (it builds a second version while the first runs) and the
// notifications (they move window focus) come last, in a step of their own.
const ALONE = ['load', 'hidden-tabs', 'lifecycle', 'notifications'].map((f) => `test/integration/${f}.test.mjs`);

async function integration(files, concurrency, tap, env = {}) {
  const { code } = await run('node', [
    '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ], { env });
  const text = readFileSync(tap, 'utf8');
  const num = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)`, 'm'))?.[1] ?? 0);
  totals.passed += num('pass');
  totals.failed += num('fail') + num('cancelled');
  totals.skipped += num('skipped') + num('todo');
  if (code !== 0 && num('fail') === 0) totals.failed += 1;
  return code === 0;
}

if (!only || only === 'integration') {
  const files = readdirSync('test/integration').filter((f) => f.endsWith('.test.mjs')).map((f) => `test/integration/${f}`).sort();
  await step('integration tests (playwright-core, Chromium, Kamailio)', () =>
    integration(['test/support/pbx.selftest.mjs', ...files.filter((f) => !ALONE.includes(f))], 1, '.tmp/integration.tap'));
  await step('integration tests that run alone (load, hidden tabs, deployment, notifications)', () =>
    integration(files.filter((f) => ALONE.includes(f)), 1, '.tmp/integration-alone.tap'));
  // As in a browser without SharedWorker (one tab hosts the hub): registration and calls, besides
  // fallback.test.mjs, which always runs that way. `PATCHBAY_NO_SHARED_WORKER=1 npm test -- integration`
  // runs every file that way (about 15 minutes on its own).
  if (!process.env.PATCHBAY_NO_SHARED_WORKER) {
    const TAB_HOSTED = ['registration', 'calls'];
    await step('integration tests again without SharedWorker (the hub hosted by a tab)', () =>
      integration(TAB_HOSTED.map((f) => `test/integration/${f}.test.mjs`), 1, '.tmp/integration-tab-hosted.tap', { PATCHBAY_NO_SHARED_WORKER: '1' }));
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (totals.passed === 0) process.exitCode = 1;
