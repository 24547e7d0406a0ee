// Chromium with real tab visibility. playwright keeps every page it drives "visible" and focused
// (and launches Chromium with background throttling off), so a test of hidden tabs starts Chromium
// itself, with nothing disabled, and lets playwright attach only while it acts as the user:
//
//   const chrome = await startRealTabs({ features: ['IntensiveWakeUpThrottling:grace_period_seconds/10'] });
//   const pw = await chrome.attach();            // playwright Browser over CDP: sign in, click…
//   await chrome.openTab('data:text/html,…');    // another tab in front: the panel's tab is hidden
//   await pw.close();                            // detach: visibility is the browser's own again
//   await chrome.evaluate(panelTarget, 'document.visibilityState'); // 'hidden'
//   await chrome.close();
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';

/**
 * @param {{ features?: string[], args?: string[] }} [options] `features`: for --enable-features
 */
export async function startRealTabs({ features = [], args = [] } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-tabs-'));
  const child = spawn(chromiumPath(), [
    ...chromiumArgs(),
    '--headless',
    '--remote-debugging-port=0',
    `--user-data-dir=${dir}`,
    ...(features.length ? [`--enable-features=${features.join(',')}`] : []),
    ...args,
    'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const wsUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${seen.slice(-2000)}`)), 20000);
    child.stderr.on('data', (d) => {
      seen += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}): ${seen.slice(-2000)}`)));
  });
  child.stderr.resume();

  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    const waiter = msg.id !== undefined && pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(`${waiter.method}: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  /** One CDP command on the browser (or, with `sessionId`, on an attached target). */
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  const sessions = new Map();
  const sessionOf = async (targetId) => {
    if (!sessions.has(targetId)) sessions.set(targetId, (await send('Target.attachToTarget', { targetId, flatten: true })).sessionId);
    return sessions.get(targetId);
  };

  return {
    wsUrl,
    send,
    /** A playwright Browser attached over CDP; its pages look visible until it is closed (detached). */
    attach: () => chromium.connectOverCDP(wsUrl),
    /** Opens a tab in the same window, in front of the others. */
    async openTab(url) {
      const { targetId } = await send('Target.createTarget', { url, newWindow: false, background: false });
      return targetId;
    },
    /** The id of the first page whose address starts with `prefix`. */
    async pageTarget(prefix) {
      const { targetInfos } = await send('Target.getTargets');
      return targetInfos.find((t) => t.type === 'page' && t.url.startsWith(prefix))?.targetId;
    },
    /** Evaluates `expression` in a page, without a user gesture, and returns its value. */
    async evaluate(targetId, expression) {
      const r = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true, userGesture: false }, await sessionOf(targetId));
      if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
      return r.result.value;
    },
    async close() {
      ws.close();
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
