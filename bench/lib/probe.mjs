// What the benchmarks watch inside each page: an init script that observes the document and every
// shadow root in it (Lit renders into shadow roots, which a MutationObserver on the document does
// not see), and reports to Node through a binding (`__benchReport`):
//   - an incoming-call dialog (role=alertdialog, name "Incoming call") appearing in the DOM;
//   - the first status (role=status) reading "Registered", and the last click before it.
// Times are `performance.timeOrigin + performance.now()` (epoch ms, sub-ms resolution); each report
// also carries that clock minus Date.now(), so a skew against the system clock would show. Reports
// leave 300 ms after the event, so the binding's round trip never competes with what is measured.
// Pages whose URL hash contains "bench" (an instrumented copy of the app) also time the hub's
// messages to the tab that announce a new call (kind 'tab-msg'); with "relay" in the hash the page
// also passes on what the instrumented hub posts (bench/fanout/hub-probe.js).


/** Runs in the page, before any of its scripts. */
function pageProbe() {
  const now = () => performance.timeOrigin + performance.now();
  const report = (data) =>
    setTimeout(() => {
      try {
        window.__benchReport?.({ ...data, skew: now() - Date.now() });
      } catch {
        // the binding is not there (a page opened outside the benchmark)
      }
    }, 300);
  const state = { registeredAt: null, clickAt: null };
  window.__benchState = state;
  const dialogs = new WeakSet();
  const roots = new WeakSet();

  const walk = (root, t) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot && !roots.has(el.shadowRoot)) observe(el.shadowRoot);
      const role = el.getAttribute('role');
      if (role === 'alertdialog' && el.getAttribute('aria-label') === 'Incoming call' && !dialogs.has(el)) {
        dialogs.add(el);
        report({ kind: 'pop', t, text: el.textContent.replace(/\s+/g, ' ').trim() });
      }
      if (role === 'status' && state.registeredAt === null && /\bRegistered\b/.test(el.textContent)) {
        state.registeredAt = t;
        report({ kind: 'registered', t, sinceNavigation: t - performance.timeOrigin, clickAt: state.clickAt });
      }
      if (el.shadowRoot) walk(el.shadowRoot, t);
    }
  };
  // Mutations of <head> (the tab title) cannot show a dialog or a status: skip the walk for them.
  const onMutation = (records) => {
    const t = now();
    if (records.every((r) => document.head?.contains(r.target))) return;
    walk(document, t);
  };
  function observe(root) {
    roots.add(root);
    new MutationObserver(onMutation).observe(root, { childList: true, subtree: true, characterData: true });
  }
  observe(document);
  window.addEventListener('click', () => (state.clickAt = now()), true);

  if (location.hash.includes('bench')) {
    // A Comlink callback call carrying a new call: note when it reaches this tab, before
    // Comlink's own listener (added after this one) runs the callback.
    const add = MessagePort.prototype.addEventListener;
    MessagePort.prototype.addEventListener = function (type, listener, options) {
      if (type === 'message') {
        add.call(this, 'message', (e) => {
          // The call feed's items (shared/call-feed.ts): a new call comes as a whole `created` event.
          const items = e.data?.argumentList?.[0]?.value;
          for (const item of Array.isArray(items) ? items : []) {
            if (item?.event?.type === 'created' && item.event.call?.sipCallId) report({ kind: 'tab-msg', t: now(), cid: item.event.call.sipCallId });
          }
        });
      }
      return add.call(this, type, listener, options);
    };
  }
  if (location.hash.includes('relay')) {
    new BroadcastChannel('patchbay-bench').onmessage = (e) => report(e.data);
    document.addEventListener('DOMContentLoaded', () => report({ kind: 'dcl', t: now() }));
  }
}

/**
 * Installs the probe in every page of `context`. Returns a collector: `take(kind)` hands over (and
 * forgets) the reports of that kind received so far, `wait(kind, count, ms)` waits for `count` of
 * them.
 */
export async function installProbe(context) {
  const reports = [];
  const waiters = new Set();
  await context.exposeBinding('__benchReport', ({ page }, data) => {
    reports.push({ ...data, page });
    for (const w of waiters) w();
  });
  await context.addInitScript(pageProbe);
  const pick = (kind, filter) => reports.filter((r) => r.kind === kind && (!filter || filter(r)));
  return {
    take(kind, filter) {
      const out = pick(kind, filter);
      for (const r of out) reports.splice(reports.indexOf(r), 1);
      return out;
    },
    clear() {
      reports.length = 0;
    },
    /** Resolves with the matching reports once there are `count`, or when `ms` have passed. */
    wait(kind, count, ms, filter) {
      if (pick(kind, filter).length >= count) return Promise.resolve(pick(kind, filter));
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(pick(kind, filter));
        };
        const check = () => {
          if (pick(kind, filter).length >= count) done();
        };
        const timer = setTimeout(done, ms);
        waiters.add(check);
      });
    },
  };
}
