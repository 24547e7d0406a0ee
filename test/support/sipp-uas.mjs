// A plain SIP phone on UDP that answers: SIPp registers it at the test PBX (sipp-register.xml), then
// answers calls to it (sipp-uas.xml) with an RTP echo, so the caller hears what it sends.
//
//   const phone = await registerSippPhone(pbx, { user: '1009' });
//   const answered = phone.answer();            // listening before the call is placed
//   // ... a browser calls 1009 and hangs up ...
//   const { code } = await answered;            // 0: every call answered and ended by a BYE
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { passwordFor } from './pbx.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SIPP = '/usr/bin/sipp';
const live = new Set();
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A UDP port that is free, and free on TCP too (SIPp opens both for its SIP port). */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => {
        const p = sock.address().port;
        sock.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}

/** Runs SIPp to the end; a run that outlives `timeoutMs` + 5 s is killed. */
function runSipp(args, { cwd, timeoutMs }) {
  if (!existsSync(SIPP)) throw new Error(`SIPp not found at ${SIPP}: install Debian package sip-tester`);
  const child = spawn(SIPP, [...args, '-nostdin', '-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error'], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid) live.add(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const killer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, timeoutMs + 5000);
  return new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: -1, stdout, stderr: `${stderr}\n${err.message}` }));
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      live.delete(child.pid);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/**
 * Registers `user` (digest auth, password `pw-<user>`) with its Contact on a port of its own, where
 * `answer()` runs a SIPp that answers.
 * @param {{ sipUdp: string, domain: string }} pbx what startPbx() returned
 * @param {{ user?: string, ringMs?: number }} [options] `ringMs`: how long each call rings before the answer
 */
export async function registerSippPhone(pbx, { user = '1009', ringMs = 1500 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-sipp-uas-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const sipPort = await freePort();
  const mediaPort = await freePort();

  async function register(expires) {
    const res = await runSipp(
      [
        pbx.sipUdp, '-sf', path.join(HERE, 'sipp-register.xml'), '-t', 'u1', '-i', '127.0.0.1',
        '-p', String(await freePort()), '-s', user, '-au', user, '-ap', passwordFor(user),
        '-key', 'domain', pbx.domain, '-key', 'contact_port', String(sipPort), '-key', 'expires', String(expires),
        '-m', '1',
      ],
      { cwd: dir, timeoutMs: 10000 },
    );
    if (res.code !== 0) throw new Error(`SIPp could not register ${user} (exit ${res.code}): ${res.stderr || res.stdout.slice(-2000)}`);
  }
  await register(600);

  return {
    user,
    sipPort,
    mediaPort,
    /**
     * Answers the next `calls` calls (ring, 200 OK, echo RTP, wait for BYE). Resolves when they are
     * over, `code` 0 when every call went through the scenario. SIPp 3.6 does not print its echo
     * count when run without a terminal: rtpengine's per-leg packet counts show what came back.
     */
    answer({ calls = 1, timeoutMs = 60000 } = {}) {
      return runSipp(
        [
          '-sf', path.join(HERE, 'sipp-uas.xml'), '-t', 'u1', '-i', '127.0.0.1', '-p', String(sipPort),
          '-mi', '127.0.0.1', '-mp', String(mediaPort), '-rtp_echo', '-d', String(ringMs),
          '-m', String(calls), '-trace_err',
        ],
        { cwd: dir, timeoutMs },
      );
    },
    unregister: () => register(0),
  };
}
