// The build the benchmarks measure: `vite build` into a directory of their own, so a build that
// something else starts meanwhile (dist/ is rebuilt by `npm test`) cannot change files under a run.
import { execFileSync } from 'node:child_process';

// BENCH_DIST: another directory, for a run beside someone else's (two builds must not share one).
export const DIST = process.env.BENCH_DIST || '.tmp/bench-dist';

export function buildDist() {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', DIST, '--emptyOutDir'], { stdio: 'inherit' });
}
