// A throwaway SIP PBX for tests: Kamailio (registrar + proxy, SIP over
// WebSocket and UDP) with rtpengine bridging WebRTC and plain RTP, plus a
// SIPp helper that places a call from a plain UDP phone.
//
//   const pbx = await startPbx();
//   // ... browsers register at pbx.wsUrl as sip:1001@127.0.0.1 / pw-1001 ...
//   const res = await sippCall(pbx, { to: '1001', durationMs: 3000 });
//   await pbx.stop();
//
// Everything binds to 127.0.0.1. Each PBX writes its config to its own temp
// directory and kills its processes when stopped or when the test process
// exits (even if it is killed with SIGKILL).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEMPLATE = path.join(HERE, 'kamailio.cfg.tmpl');
const SIPP_SCENARIO = path.join(HERE, 'sipp-uac.xml');
const INSTALL_HINT = 'install Debian packages kamailio kamailio-websocket-modules rtpengine-daemon';
const SIPP_HINT = 'install Debian package sip-tester';

export const DEFAULT_DOMAIN = '127.0.0.1';
export const USER_IDS = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '1010'];

/** Password of a test user: `pw-<user>`. */
export const passwordFor = (user) => `pw-${user}`;

// ---------------------------------------------------------------------------
// process bookkeeping: nothing may outlive the test process

/** Every process group we started and have not reaped yet. */
const liveGroups = new Set();
/** Temp dirs to remove when the process exits. */
const liveDirs = new Set();
let exitHooksInstalled = false;

/** Every child we start is detached, i.e. leads its own process group. */
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function killAllNow() {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const reraise = process.listenerCount(signal) === 0;
    process.once(signal, () => {
      killAllNow();
      // with no other listener, behave as if we had never listened
      if (reraise) process.kill(process.pid, signal);
    });
  }
}

/**
 * A tiny shell that waits for its stdin to close (which happens when this
 * Node process dies, however it dies), SIGKILLs the process groups listed
 * in `pidFile` and removes `dir`. Covers the SIGKILL case that no 'exit'
 * hook sees.
 */
function startReaper(pidFile, dir) {
  // (dash's kill takes `-PGID` right after the signal, and no `--`)
  const script = 'read _ignored; [ -s "$0" ] && kill -KILL $(cat "$0") 2>/dev/null; rm -rf "$1"; exit 0';
  const child = spawn('sh', ['-c', script, pidFile, dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {});
  child.unref();
  child.stdin.on('error', () => {});
  child.stdin.unref?.();
  return child;
}

// ---------------------------------------------------------------------------
// binaries and paths

function findBinary(name) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const extra of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (!dirs.includes(extra)) dirs.push(extra);
  }
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

const ARCH_TRIPLETS = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  ia32: 'i386-linux-gnu',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
};

function kamailioModuleDir(explicit) {
  const candidates = [];
  if (explicit) candidates.push(explicit);
  const triplet = ARCH_TRIPLETS[process.arch];
  if (triplet) candidates.push(`/usr/lib/${triplet}/kamailio/modules`);
  try {
    for (const entry of readdirSync('/usr/lib')) {
      if (entry.endsWith('-linux-gnu') || entry.includes('-linux-')) {
        candidates.push(`/usr/lib/${entry}/kamailio/modules`);
      }
    }
  } catch {
    // no /usr/lib listing: fall through to the fixed candidates
  }
  candidates.push(
    '/usr/lib/kamailio/modules',
    '/usr/lib64/kamailio/modules',
    '/usr/local/lib/kamailio/modules',
    '/usr/local/lib64/kamailio/modules',
  );
  return candidates.find((dir) => existsSync(path.join(dir, 'tm.so'))) ?? null;
}

// ---------------------------------------------------------------------------
// ports

const handedOut = new Set();

async function freePort(kind) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise((resolve, reject) => {
      if (kind === 'udp') {
        const sock = dgram.createSocket('udp4');
        sock.once('error', reject);
        sock.bind(0, '127.0.0.1', () => {
          const p = sock.address().port;
          sock.close(() => resolve(p));
        });
      } else {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
          const p = srv.address().port;
          srv.close(() => resolve(p));
        });
      }
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free ${kind} port on 127.0.0.1`);
}

/** Both TCP and UDP free (SIPp wants its SIP port free for both). */
async function freeUdpTcpPort() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort('udp');
    const ok = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('could not find a port free for both UDP and TCP on 127.0.0.1');
}

/** An even-aligned range below Linux' ephemeral range (32768+). */
function pickRtpRange(size = 100) {
  const slots = Math.floor((32000 - 20000) / size);
  const base = 20000 + size * Math.floor(Math.random() * slots);
  return [base, base + size - 1];
}

function connectOnce(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
  });
}

/** rtpengine ng "ping" -> "pong" (bencode over UDP). */
function ngPing(port, timeoutMs = 300) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const cookie = `ping${Math.random().toString(36).slice(2, 10)}`;
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok) {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(ok);
    }
    sock.on('error', () => finish(false));
    sock.on('message', (msg) => finish(msg.toString().startsWith(cookie) && msg.includes('pong')));
    sock.send(`${cookie} d7:command4:pinge`, port, '127.0.0.1', (err) => {
      if (err) finish(false);
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// logs and counters

const MARKER = /PBX-([A-Z][A-Z-]*[A-Z])\b(.*)$/;

function emptyCounts() {
  return {
    wsOpen: 0,
    wsClosed: 0,
    registers: 0, // every REGISTER received, challenged ones included
    registersByUser: {},
    registrations: 0, // REGISTERs accepted (PBX-REGISTER-OK), unregisters included
    registrationsByUser: {},
    authFailures: 0,
    messages: 0, // every SIP request and reply received
    messagesByKind: {}, // 'INVITE', 'BYE', '200 INVITE', '407 INVITE', ...
    rtpengine: 0, // SDPs / deletes handed to rtpengine
  };
}

class LogBook {
  constructor() {
    this.lines = [];
    this.mark = 0;
    this.counts = emptyCounts();
    this.waiters = new Set();
  }

  attach(stream, source) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      partial += chunk;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        this.add(source, partial.slice(0, nl).replace(/\r$/, ''));
        partial = partial.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (partial) this.add(source, partial);
      partial = '';
    });
  }

  add(source, text) {
    const line = `[${source}] ${text}`;
    this.lines.push(line);
    if (source === 'kamailio') this.count(text);
    for (const waiter of this.waiters) waiter(line);
  }

  count(text) {
    const m = MARKER.exec(text);
    if (!m) return;
    const [, kind, rest] = m;
    const c = this.counts;
    const field = (name) => new RegExp(`\\b${name}=(\\S*)`).exec(rest)?.[1] ?? '';
    switch (kind) {
      case 'WS-OPEN':
        c.wsOpen++;
        break;
      case 'WS-CLOSED':
        c.wsClosed++;
        break;
      case 'REGISTER': {
        const user = field('user');
        c.registers++;
        c.registersByUser[user] = (c.registersByUser[user] ?? 0) + 1;
        break;
      }
      case 'REGISTER-OK': {
        const user = field('user');
        c.registrations++;
        c.registrationsByUser[user] = (c.registrationsByUser[user] ?? 0) + 1;
        break;
      }
      case 'AUTH-FAIL':
        c.authFailures++;
        break;
      case 'MSG': {
        c.messages++;
        const words = rest.trim().split(/\s+/);
        const key = /^\d{3}$/.test(words[0]) ? `${words[0]} ${words[1]}` : words[0];
        c.messagesByKind[key] = (c.messagesByKind[key] ?? 0) + 1;
        break;
      }
      case 'RTPENGINE':
        c.rtpengine++;
        break;
      default:
        break;
    }
  }

  snapshot() {
    return structuredClone(this.counts);
  }

  reset() {
    this.counts = emptyCounts();
    this.mark = this.lines.length;
  }

  tail(n = 60) {
    return this.lines.slice(-n).join('\n');
  }

  /** Resolves with the counts once `predicate(counts)` holds. */
  waitForCounts(predicate, timeoutMs = 5000) {
    if (predicate(this.snapshot())) return Promise.resolve(this.snapshot());
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!predicate(this.snapshot())) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(this.snapshot());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`counts never matched ${predicate} within ${timeoutMs} ms: ${JSON.stringify(this.counts)}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** First line (since the last reset) matching `regex`, now or later. */
  waitFor(regex, timeoutMs = 5000) {
    const test = (line) => {
      regex.lastIndex = 0;
      return regex.test(line);
    };
    const existing = this.lines.slice(this.mark).find(test);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter = (line) => {
        if (!test(line)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no log line matched ${regex} within ${timeoutMs} ms; last lines:\n${this.tail(40)}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

// ---------------------------------------------------------------------------
// child processes

function spawnLogged(bin, args, { source, logbook, cwd, pidFileUpdate }) {
  const child = spawn(bin, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      // whatever the main process left behind (kamailio's children) goes too
      killGroup(child.pid, 'SIGKILL');
      liveGroups.delete(child.pid);
      pidFileUpdate();
      logbook.add(source, `[exited code=${code} signal=${signal}]`);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      logbook.add(source, `[spawn error: ${err.message}]`);
      resolve({ code: -1, signal: null, error: err });
    });
  });
  if (child.pid) liveGroups.add(child.pid);
  logbook.attach(child.stdout, source);
  logbook.attach(child.stderr, source);
  // Do not keep the test process alive just because the PBX runs: the exit
  // hooks reap it.
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();
  return { child, exited, running: () => child.exitCode === null && child.signalCode === null };
}

async function stopProcess(proc, graceMs = 1500) {
  if (!proc || !proc.child.pid) return;
  if (proc.running()) {
    // hold the event loop open until the process is really gone
    proc.child.ref();
    // only the main process: kamailio's main stops its own children
    try {
      process.kill(proc.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([proc.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      killGroup(proc.child.pid, 'SIGKILL');
      await proc.exited;
    }
  }
}

async function waitUntil(check, { timeoutMs, intervalMs = 25, proc, what, logbook }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && !proc.running()) {
      throw new Error(`${what} exited during start-up; last lines:\n${logbook.tail(40)}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready after ${timeoutMs} ms; last lines:\n${logbook.tail(40)}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------
// the PBX

/**
 * Start Kamailio (and rtpengine) on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {boolean} [options.rtpengine=true]  start rtpengine and bridge WS<->UDP media through it
 * @param {boolean} [options.authInvites=true] challenge initial INVITE/MESSAGE/REFER/... (407)
 * @param {number} [options.wsPort]   TCP port for SIP over WebSocket (default: free port)
 * @param {number} [options.sipPort]  UDP port for plain SIP (default: free port)
 * @param {number} [options.ngPort]   rtpengine ng control port (default: free port)
 * @param {[number, number]} [options.rtpPorts] rtpengine media port range (default: 100 ports in 20000-31999)
 * @param {string} [options.domain='127.0.0.1'] SIP domain and digest realm
 * @param {number} [options.inviteTimeoutMs=60000] ringing time before the caller gets 480
 * @param {number} [options.maxExpires=3600] the longest registration the registrar grants (seconds, >= 10)
 * @param {number} [options.startTimeoutMs=10000]
 * @param {string} [options.modulesDir] Kamailio module directory (default: found on the system)
 * @param {number} [options.rtpengineLogLevel=6] rtpengine's syslog level (7: DTLS and ICE details)
 * @param {boolean} [options.keepDir=false] keep the temp dir (config) after stop()
 */
export async function startPbx(options = {}) {
  const useRtpengine = options.rtpengine !== false;
  const kamailioBin = options.kamailioBin ?? findBinary('kamailio');
  const rtpengineBin = useRtpengine ? (options.rtpengineBin ?? findBinary('rtpengine')) : null;
  if (!kamailioBin) throw new Error(`kamailio binary not found: ${INSTALL_HINT}`);
  if (useRtpengine && !rtpengineBin) throw new Error(`rtpengine binary not found: ${INSTALL_HINT}`);
  const mpath = kamailioModuleDir(options.modulesDir);
  if (!mpath) throw new Error(`Kamailio module directory not found: ${INSTALL_HINT}`);
  for (const mod of ['websocket.so', 'xhttp.so', 'nathelper.so', ...(useRtpengine ? ['rtpengine.so'] : [])]) {
    if (!existsSync(path.join(mpath, mod))) {
      throw new Error(`Kamailio module ${mod} missing in ${mpath}: ${INSTALL_HINT} kamailio-extra-modules`);
    }
  }

  const domain = options.domain ?? DEFAULT_DOMAIN;
  const wsPort = options.wsPort ?? (await freePort('tcp'));
  const sipPort = options.sipPort ?? (await freePort('udp'));
  const ngPort = useRtpengine ? (options.ngPort ?? (await freePort('udp'))) : null;
  const [rtpMin, rtpMax] = options.rtpPorts ?? pickRtpRange();
  const users = USER_IDS.map((user) => ({
    user,
    password: passwordFor(user),
    aor: `sip:${user}@${domain}`,
  }));

  const inviteTimeoutMs = options.inviteTimeoutMs ?? 60000;
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-pbx-'));
  const cfgPath = path.join(dir, 'kamailio.cfg');
  const pidFile = path.join(dir, 'pgids');
  const values = {
    MPATH: mpath,
    WS_PORT: String(wsPort),
    SIP_PORT: String(sipPort),
    NG_PORT: String(ngPort ?? 0),
    DOMAIN: domain,
    INV_TIMEOUT: String(inviteTimeoutMs),
    FR_TIMEOUT: String(Math.min(10000, inviteTimeoutMs)),
    MAX_EXPIRES: String(options.maxExpires ?? 3600),
    USERS: users.map(({ user, password }) => `\t$sht(auth=>${user}) = "${password}";`).join('\n'),
  };
  const cfg = readFileSync(TEMPLATE, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (whole, name) => {
    if (!(name in values)) throw new Error(`unknown placeholder ${whole} in ${TEMPLATE}`);
    return values[name];
  });
  writeFileSync(cfgPath, cfg);

  installExitHooks();
  if (!options.keepDir) liveDirs.add(dir);
  const logbook = new LogBook();
  let rtpengine = null;
  let kamailio = null;
  let stopped = false;
  const updatePidFile = () => {
    const pids = [rtpengine, kamailio].filter((p) => p?.child.pid && p.running()).map((p) => `-${p.child.pid}`);
    try {
      writeFileSync(pidFile, pids.join(' '));
    } catch {
      // temp dir already removed
    }
  };
  const reaper = startReaper(pidFile, options.keepDir ? '' : dir);

  const defines = [];
  if (useRtpengine) defines.push('-A', 'WITH_RTPENGINE');
  if (options.authInvites !== false) defines.push('-A', 'WITH_INVITE_AUTH');
  const kamailioArgs = ['-f', cfgPath, '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir, '-w', dir, ...defines];

  async function startKamailio() {
    kamailio = spawnLogged(kamailioBin, kamailioArgs, {
      source: 'kamailio',
      logbook,
      cwd: dir,
      pidFileUpdate: updatePidFile,
    });
    updatePidFile();
    await waitUntil(() => connectOnce(wsPort), {
      timeoutMs: options.startTimeoutMs ?? 10000,
      proc: kamailio,
      what: 'kamailio',
      logbook,
    });
  }

  async function stop() {
    if (stopped) return;
    stopped = true;
    await stopProcess(kamailio);
    await stopProcess(rtpengine);
    try {
      reaper.kill('SIGKILL');
    } catch {
      // already gone
    }
    liveDirs.delete(dir);
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  }

  try {
    if (useRtpengine) {
      rtpengine = spawnLogged(
        rtpengineBin,
        [
          '--config-file=none',
          '--table=-1',
          '--interface=127.0.0.1',
          `--listen-ng=127.0.0.1:${ngPort}`,
          '--foreground',
          '--log-stderr',
          `--log-level=${options.rtpengineLogLevel ?? 6}`,
          `--port-min=${rtpMin}`,
          `--port-max=${rtpMax}`,
          '--num-threads=2',
          '--delete-delay=0',
          '--timeout=60',
        ],
        { source: 'rtpengine', logbook, cwd: dir, pidFileUpdate: updatePidFile },
      );
      updatePidFile();
      await waitUntil(() => ngPing(ngPort), {
        timeoutMs: options.startTimeoutMs ?? 10000,
        proc: rtpengine,
        what: 'rtpengine',
        logbook,
      });
    }
    await startKamailio();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    sipUdp: `127.0.0.1:${sipPort}`,
    wsPort,
    sipPort,
    ngPort,
    rtpPorts: useRtpengine ? [rtpMin, rtpMax] : null,
    domain,
    users,
    configPath: cfgPath,
    counts: () => logbook.snapshot(),
    resetCounts: () => logbook.reset(),
    waitForLog: (regex, timeoutMs = 5000) => logbook.waitFor(regex, timeoutMs),
    waitForCounts: (predicate, timeoutMs = 5000) => logbook.waitForCounts(predicate, timeoutMs),
    logs: () => logbook.lines.join('\n'),
    /** Stop Kamailio and start it again on the same ports: registrations are lost, WebSockets drop. */
    async restart() {
      if (stopped) throw new Error('PBX already stopped');
      await stopProcess(kamailio);
      await startKamailio();
    },
    /** SIGKILL Kamailio, as a crash would: no goodbye on any socket, every registration lost. */
    async kill() {
      if (!kamailio?.running()) return;
      kamailio.child.ref();
      killGroup(kamailio.child.pid, 'SIGKILL');
      await kamailio.exited;
    },
    /** Start Kamailio again on the same ports after kill(). */
    async start() {
      if (stopped) throw new Error('PBX already stopped');
      if (!kamailio?.running()) await startKamailio();
    },
    stop,
  };
}

// ---------------------------------------------------------------------------
// SIPp: a plain UDP phone

/** One second of a 440 Hz tone, G.711 mu-law (raw, 8 kHz), for SIPp's rtp_stream. */
function muLawTone(seconds = 1, hz = 440) {
  const out = Buffer.alloc(8000 * seconds);
  for (let i = 0; i < out.length; i++) {
    const sample = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
    out[i] = linearToMuLaw(sample);
  }
  return out;
}

function linearToMuLaw(sample) {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  const s = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/**
 * Place one call from a plain SIP phone (SIPp over UDP, 127.0.0.1) through
 * the PBX: INVITE with a PCMU RTP/AVP offer, digest auth if challenged,
 * ACK, RTP (a looping 440 Hz mu-law tone) for `durationMs`, BYE.
 *
 * @param {object} pbx  what startPbx() returned
 * @param {object} [opts]
 * @param {string} [opts.to='1002']      user to call
 * @param {string} [opts.from='1010']    calling user (also the digest username)
 * @param {string} [opts.password]       default `pw-<from>`
 * @param {number} [opts.durationMs=4000] time between ACK and BYE
 * @param {boolean} [opts.rtp=true]      stream RTP while the call is up
 * @param {boolean} [opts.dtmfInfo=false] offer no telephone-event and accept one SIP INFO (then hang up)
 * @param {number} [opts.timeoutMs]      give up (non-zero exit) after this long; default durationMs + 20 s
 * @param {string[]} [opts.extraArgs]    more SIPp arguments (later ones win: `-m 600 -r 10` for load)
 * @param {string} [opts.scenario]      another scenario file (default sipp-uac.xml)
 * @returns {Promise<{ code: number|null, stdout: string, stderr: string, errors: string, files: Record<string, string> }>}
 *   `files`: the trace files SIPp wrote (`-trace_logs`, `-trace_stat`, ...), by name
 */
export async function sippCall(pbx, opts = {}) {
  const sippBin = opts.sippBin ?? '/usr/bin/sipp';
  if (!existsSync(sippBin)) throw new Error(`SIPp not found at ${sippBin}: ${SIPP_HINT}`);
  const to = String(opts.to ?? '1002');
  const from = String(opts.from ?? '1010');
  const password = opts.password ?? passwordFor(from);
  const durationMs = opts.durationMs ?? 4000;
  const timeoutMs = opts.timeoutMs ?? durationMs + 20000;

  installExitHooks();
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-sipp-'));
  if (!opts.keepDir) liveDirs.add(dir);
  writeFileSync(path.join(dir, 'tone.ulaw'), muLawTone());
  let scenario = opts.scenario ?? SIPP_SCENARIO;
  if (opts.rtp === false || opts.dtmfInfo) {
    let text = readFileSync(scenario, 'utf8');
    if (opts.rtp === false) text = text.replace(/<!-- RTP -->[\s\S]*?<!-- \/RTP -->/g, '');
    if (opts.dtmfInfo) {
      // A phone without RFC 4733: no telephone-event in the offer, and it answers one SIP INFO.
      text = text
        .replaceAll('RTP/AVP 0 101', 'RTP/AVP 0')
        .replace(/^\s*a=rtpmap:101 .*\n/gm, '')
        .replace(/^\s*a=fmtp:101 .*\n/gm, '')
        .replace(/^ *<pause\/> *$/m, `  <recv request="INFO" timeout="${durationMs}" ontimeout="hangup"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <label id="hangup"/>
  <pause milliseconds="1000"/>`);
    }
    scenario = path.join(dir, 'uac-variant.xml');
    writeFileSync(scenario, text);
  }
  const sipPort = opts.localPort ?? (await freeUdpTcpPort());
  const mediaPort = opts.mediaPort ?? (await freePort('udp'));

  const args = [
    pbx.sipUdp,
    '-sf', scenario,
    '-t', 'u1',
    '-i', '127.0.0.1',
    '-p', String(sipPort),
    '-mi', '127.0.0.1',
    '-mp', String(mediaPort),
    '-s', to,
    '-au', from,
    '-ap', password,
    '-key', 'caller', from,
    '-key', 'domain', pbx.domain,
    '-d', String(durationMs),
    '-m', '1',
    '-l', '1',
    '-nostdin',
    '-trace_err',
    '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    '-timeout_error',
    ...(opts.extraArgs ?? []),
  ];

  const child = spawn(sippBin, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) liveGroups.add(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const killer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timeoutMs + 5000);
  const code = await new Promise((resolve) => {
    child.once('error', (err) => {
      stderr += `\n[spawn error: ${err.message}]`;
      resolve(-1);
    });
    child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : -1)));
  });
  clearTimeout(killer);
  liveGroups.delete(child.pid);
  let errors = '';
  const files = {};
  try {
    for (const f of readdirSync(dir).filter((name) => /\.(log|csv)$/.test(name))) files[f] = readFileSync(path.join(dir, f), 'utf8');
    errors = Object.keys(files).filter((f) => f.endsWith('_errors.log')).map((f) => files[f]).join('\n');
  } catch {
    // nothing traced
  }
  liveDirs.delete(dir);
  if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, errors, files };
}
