/**
 * The demo PBX: a SIP server that lives in this global scope. After `installDemoPbx()`, a
 * `new WebSocket(DEMO_SERVER, 'sip')` is answered in-process (through msw's WebSocket
 * interception) by the PBX in `./pbx.ts`; every other WebSocket is constructed by the original,
 * untouched `WebSocket` class. Load this module with a dynamic `import()` only when needed.
 */
import type { InterceptorSource as InterceptorSourceClass } from 'msw/experimental';
import { DemoPbx, type PbxConnection, type PbxTimings } from './pbx.ts';

/** msw's declarations and the browser build of @mswjs/interceptors declare the class twice. */
type Interceptors = ConstructorParameters<typeof InterceptorSourceClass>[0]['interceptors'];

export const DEMO_SERVER = 'wss://demo.patchbay.invalid/ws';
export const DEMO_DOMAIN = 'demo.patchbay.invalid';

export interface DemoPbxOptions {
  /** Delay from the first successful registration to the first demo call. Default 4000. */
  ringAfterMs?: number;
  /** Delay before an outgoing call is answered. Default 2000. */
  answerAfterMs?: number;
  /** An unanswered demo call is cancelled after this long. Default 30000. */
  noAnswerAfterMs?: number;
  /** An answered call is hung up by the far end after this long. Default 60000. */
  hangupAfterMs?: number;
  /** Delay from the end of the first demo call to the second one. Default 20000. */
  secondCallAfterMs?: number;
}

export interface DemoPbxHandle {
  uninstall(): void;
}

const ACCOUNT = { domain: DEMO_DOMAIN, username: '1001', password: 'demo' };
const CALLERS = [
  { displayName: 'Ada Lovelace', user: '+441632960123' },
  { displayName: 'Grace Hopper', user: '+12025550147' },
];

let current: Promise<DemoPbxHandle> | undefined;

/**
 * Starts intercepting `DEMO_SERVER`. Await it before the UserAgent connects. Installing twice
 * returns the same handle; `uninstall()` closes demo connections and restores `WebSocket`.
 */
export function installDemoPbx(options: DemoPbxOptions = {}): Promise<DemoPbxHandle> {
  current ??= install(options).catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

/** msw's cookie store reads `localStorage` when it loads; a worker has none, so lend it one. */
async function withLocalStorage<T>(load: () => Promise<T>): Promise<T> {
  const scope = globalThis as { localStorage?: unknown };
  if (scope.localStorage !== undefined) return load();
  const data = new Map<string, string>();
  scope.localStorage = {
    get length() {
      return data.size;
    },
    key: (i: number) => [...data.keys()][i] ?? null,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, String(v)),
    removeItem: (k: string) => void data.delete(k),
    clear: () => data.clear(),
  };
  try {
    return await load();
  } finally {
    delete scope.localStorage;
  }
}

function toText(data: unknown): Promise<string> | string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  if (data instanceof Blob) return data.text();
  return undefined;
}

async function install(options: DemoPbxOptions): Promise<DemoPbxHandle> {
  const timings: PbxTimings = {
    ringAfterMs: options.ringAfterMs ?? 4000,
    answerAfterMs: options.answerAfterMs ?? 2000,
    noAnswerAfterMs: options.noAnswerAfterMs ?? 30_000,
    hangupAfterMs: options.hangupAfterMs ?? 60_000,
    secondCallAfterMs: options.secondCallAfterMs ?? 20_000,
  };
  const [{ defineNetwork, InterceptorSource }, { ws }, { WebSocketInterceptor }] = await withLocalStorage(() =>
    Promise.all([import('msw/experimental'), import('msw/core/ws'), import('@mswjs/interceptors/WebSocket')]),
  );

  const pbx = new DemoPbx(ACCOUNT, timings, CALLERS);
  const link = ws.link(DEMO_SERVER);
  const handler = link.addEventListener('connection', ({ client }) => {
    let conn: PbxConnection | undefined = pbx.connect({
      send: (text) => client.send(text),
      close: () => client.close(),
    });
    // Keep message order even if a frame arrives as a Blob.
    let queue = Promise.resolve();
    client.addEventListener('message', (event) => {
      const text = toText(event.data);
      if (text === undefined) return;
      queue = queue.then(async () => conn?.receive(await text)).catch(() => undefined);
    });
    client.addEventListener('close', () => {
      conn?.closed();
      conn = undefined;
    });
  });

  const network = defineNetwork({
    sources: [new InterceptorSource({ interceptors: [new WebSocketInterceptor()] as unknown as Interceptors })],
    handlers: [handler],
    onUnhandledFrame: 'bypass',
    context: { quiet: true },
  });

  const scope = globalThis as { WebSocket: typeof WebSocket };
  const original = scope.WebSocket;
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  await network.enable();
  const intercepted = scope.WebSocket;
  const demoHref = new URL(DEMO_SERVER).href;
  const isDemo = (url: unknown): boolean => {
    try {
      return new URL(String(url), globalThis.location?.href).href === demoHref;
    } catch {
      return false;
    }
  };
  // Route by URL so that only the demo server ever sees msw; everything else gets a real socket.
  const routed = new Proxy(original, {
    construct(target, args: [string | URL, (string | string[])?]) {
      return Reflect.construct(isDemo(args[0]) ? intercepted : target, args) as object;
    },
  });
  Object.defineProperty(globalThis, 'WebSocket', {
    value: routed,
    configurable: true,
    writable: true,
    enumerable: descriptor?.enumerable ?? false,
  });

  let installed = true;
  return {
    uninstall() {
      if (!installed) return;
      installed = false;
      current = undefined;
      pbx.dispose();
      try {
        network.disable();
      } finally {
        if (descriptor) Object.defineProperty(globalThis, 'WebSocket', descriptor);
        else scope.WebSocket = original;
      }
    },
  };
}
