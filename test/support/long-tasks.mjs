// Long tasks in the panel's tabs, two ways:
//   - as the page sees them: a PerformanceObserver for 'longtask' (main-thread tasks over 50 ms of
//     wall-clock time), installed before any of the page's own scripts and read back from Node;
//   - what each task cost the page itself: Chrome's trace ('toplevel' category) gives every task on
//     every renderer's main thread with its wall time and its thread (CPU) time. On a machine busy
//     with other work a task of 5 ms of CPU can take 500 ms of wall clock; its CPU time says whether
//     the panel or the machine made it long.

/** Records every long task of every page `context` opens from now on. */
export async function watchLongTasks(context) {
  await context.addInitScript(() => {
    const tasks = [];
    Object.defineProperty(window, '__longTasks', { value: tasks });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ at: performance.timeOrigin + e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The page's long tasks that started at or after `since` (epoch ms): `{ at, ms }`. */
export async function longTasks(page, since = 0) {
  return (await page.evaluate(() => window.__longTasks ?? [])).filter((t) => t.at >= since);
}

/**
 * Traces the browser's tasks until `stop()`, which resolves with the tasks of each renderer's main
 * thread: `{ pid, tasks: [{ wallMs, cpuMs }] }[]`, busiest first.
 * @param {import('playwright-core').Browser} browser
 */
export async function traceMainThreads(browser) {
  await browser.startTracing(undefined, { categories: ['toplevel'] });
  return {
    async stop() {
      const { traceEvents } = JSON.parse((await browser.stopTracing()).toString('utf8'));
      const mainThreads = new Set(traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
      const byPid = new Map();
      for (const e of traceEvents) {
        if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || !mainThreads.has(`${e.pid}:${e.tid}`)) continue;
        if (!byPid.has(e.pid)) byPid.set(e.pid, []);
        byPid.get(e.pid).push({ wallMs: e.dur / 1000, cpuMs: (e.tdur ?? e.dur) / 1000 });
      }
      return [...byPid].map(([pid, tasks]) => ({ pid, tasks })).sort((a, b) => b.tasks.length - a.tasks.length);
    },
  };
}
