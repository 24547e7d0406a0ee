// A benchmark app: connects with the SDK and notes when each `apps.writer.seq` change reaches it, on
// the epoch clock (timeOrigin + now) so frames of different origins compare. Its SDK is a copy on its
// own origin, so it names the panel's origin, read from its server's /panel.json.
import { connect } from '/sdk/patchbay.js';

const now = () => performance.timeOrigin + performance.now();
window.received = new Map();
const panel = fetch('/panel.json').then(async (response) => new URL((await response.json()).url).origin);
window.bench = panel.then((panelOrigin) => connect({ panelOrigin })).then(async (pb) => {
  window.pb = pb;
  await pb.calls.subscribe((event) => {
    const seq = event.call.apps?.writer?.seq;
    if (event.type === 'updated' && event.changed.includes('apps.writer.seq')) window.received.set(seq, now());
  });
  document.querySelector('[role=status]').textContent = `Connected as ${pb.app.id}`;
  return pb.app.id;
});

/** Sequential patches, one after the other: latency. Returns the send time of each. */
window.writeSequential = async (id, from, count, gapMs) => {
  const sent = {};
  for (let i = from; i < from + count; i++) {
    sent[i] = now();
    await window.pb.calls.patch(id, { 'apps.writer.seq': i });
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return sent;
};

/** As many patches as the hub takes, `inFlight` at a time: throughput. Returns [start, end] of sending. */
window.writeFlood = async (id, from, count, inFlight) => {
  const start = now();
  let next = from;
  const worker = async () => {
    while (next < from + count) await window.pb.calls.patch(id, { 'apps.writer.seq': next++ });
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return [start, now()];
};
