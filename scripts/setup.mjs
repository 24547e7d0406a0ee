// Installs what is missing before the app or the tests run: npm packages always; Debian packages
// (Chromium, Kamailio, rtpengine, SIPp, libfaketime) when the tests need them and we are root.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export function ensureNodeModules() {
  const lock = 'package-lock.json';
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs)) return;
  console.log('Installing npm packages (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

const SYSTEM = [
  { bin: ['/usr/bin/chromium'], pkg: ['chromium'] },
  { bin: ['/usr/sbin/kamailio', '/usr/bin/kamailio'], pkg: ['kamailio', 'kamailio-websocket-modules', 'kamailio-extra-modules'] },
  { bin: ['/usr/bin/rtpengine', '/usr/sbin/rtpengine'], pkg: ['rtpengine-daemon'] },
  { bin: ['/usr/bin/sipp'], pkg: ['sip-tester'] },
  // libfaketime: the fault tests set Chromium's wall clock back and forward mid-call
  { bin: ['/usr/bin/faketime'], pkg: ['faketime'] },
];

function kamailioWebsocketModule() {
  return ['/usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so', '/usr/lib/aarch64-linux-gnu/kamailio/modules/websocket.so', '/usr/lib/kamailio/modules/websocket.so'].some(existsSync);
}

export function ensureSystemPackages() {
  const missing = SYSTEM.filter((s) => !s.bin.some(existsSync)).flatMap((s) => s.pkg);
  if (!kamailioWebsocketModule() && !missing.includes('kamailio-websocket-modules')) missing.push('kamailio-websocket-modules');
  if (!missing.length) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install ${missing.join(' ')}`);
  }
  console.log(`Installing Debian packages: ${missing.join(' ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

/** Builds dist/ when it is missing or older than the sources. */
export function ensureBuild({ force = false } = {}) {
  if (!force && existsSync('dist/index.html') && !newerThan('dist/index.html', ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'])) return;
  console.log('Building the site (vite build)…');
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
}

function newerThan(target, sources) {
  const t = statSync(target).mtimeMs;
  const walk = (p) => {
    if (!existsSync(p)) return false;
    const s = statSync(p);
    if (!s.isDirectory()) return s.mtimeMs > t;
    return execFileSync('find', [p, '-newer', target, '-type', 'f'], { encoding: 'utf8' }).trim().length > 0;
  };
  return sources.some(walk);
}
