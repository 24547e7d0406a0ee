// Drives bench/apps/hub-alone/worker.ts: one writer port and N subscriber ports, speaking the same
// messages the SDK sends (Comlink's wire format) and receives (the call feed: whole events, deltas).
const now = () => performance.now();

interface Result { perSecond: number; p50: number; p95: number; delivered: number }

async function run(subs: number, patches: number, inFlight: number, sequential: number): Promise<Result> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const channels = Array.from({ length: subs + 1 }, () => new MessageChannel());
  const ids = ['writer', ...Array.from({ length: subs }, (_, i) => `sub-${i + 1}`)];
  const ready = new Promise((r) => (worker.onmessage = r));
  worker.postMessage({ ids }, channels.map((c) => c.port1));
  await ready;
  const [writer, ...readers] = channels.map((c) => c.port2);
  const replies = new Map<string, () => void>();
  writer!.onmessage = (e) => {
    replies.get(e.data.id)?.();
    replies.delete(e.data.id);
  };
  let n = 0;
  const call = (path: string[], args: unknown[]) =>
    new Promise<void>((resolve) => {
      const id = String(++n);
      replies.set(id, resolve);
      writer!.postMessage({ id, type: 'APPLY', path, argumentList: args.map((value) => ({ type: 'RAW', value })) });
    });
  const got = readers.map(() => new Map<number, number>());
  readers.forEach((port, i) => {
    port.onmessage = (e) => {
      // The call feed's messages (shared/call-feed.ts), as the SDK receives them.
      if (e.data?.patchbay !== 'feed') return;
      const t = now();
      for (const item of e.data.items) {
        const seq = item.delta ? item.delta.values['apps.writer.seq'] : item.event?.call?.apps?.writer?.seq;
        if (typeof seq === 'number') got[i]!.set(seq, t);
      }
    };
  });
  await Promise.all(readers.map((port) => new Promise<void>((resolve) => {
    const id = `s${++n}`;
    const done = (e: MessageEvent) => {
      if (e.data?.id !== id) return;
      port.removeEventListener('message', done);
      resolve();
    };
    port.addEventListener('message', done);
    port.start();
    port.postMessage({ id, type: 'APPLY', path: ['calls', 'subscribe'], argumentList: [] });
  })));
  const patch = (seq: number) => call(['calls', 'patch'], ['call', { 'apps.writer.seq': seq }]);
  // Latency: one patch at a time.
  const sent = new Map<number, number>();
  for (let s = 0; s < sequential; s++) {
    sent.set(s, now());
    await patch(s);
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 100));
  const delays: number[] = [];
  for (const m of got) for (const [s, t] of sent) if (m.has(s)) delays.push(m.get(s)! - t);
  delays.sort((a, b) => a - b);
  // Throughput: `inFlight` at a time.
  const from = 1_000_000;
  const start = now();
  let next = from;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < from + patches) await patch(next++);
  }));
  const last = from + patches - 1;
  while (!got.every((m) => m.has(last))) await new Promise((r) => setTimeout(r, 1));
  const end = Math.max(...got.map((m) => m.get(last)!));
  const delivered = Math.min(...got.map((m) => [...m.keys()].filter((k) => k >= from).length));
  worker.terminate();
  return {
    perSecond: (patches / (end - start)) * 1000,
    p50: delays[Math.ceil(delays.length * 0.5) - 1] ?? NaN,
    p95: delays[Math.ceil(delays.length * 0.95) - 1] ?? NaN,
    delivered,
  };
}

(window as unknown as { run: typeof run }).run = run;
