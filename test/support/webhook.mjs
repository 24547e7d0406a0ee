// A webhook receiver for call logging's tests: a plain HTTP server on 127.0.0.1 that records each POST
// (headers and JSON body), answers CORS as src/integrations/webhook/README.md asks of a receiver, and
// answers with the statuses a test lines up.
import { createServer } from 'node:http';

/**
 * A webhook receiver on 127.0.0.1 (plain HTTP): records each POST's headers and JSON body, answers CORS
 * for `origin`, and answers each POST with the next status of `answers` (200 when there is none).
 * `stop()` refuses connections until `start()` listens again on the same port.
 */
export async function startWebhook({ path: hookPath = '/hook', port = 0 } = {}) {
  const received = [];
  const preflights = [];
  /** Statuses to answer the next POSTs with, in order; a status or `{ status, body, headers }`. */
  const answers = [];
  let origin = '*';
  const sockets = new Set();
  let server;

  const handle = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    // Retry-After exposed, as the receiver guide asks: the browser hides it from the hub otherwise.
    const allow = { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After', Vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      preflights.push({ headers: req.headers, at: Date.now() });
      res.writeHead(204, {
        ...allow,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization, Idempotency-Key',
        'Access-Control-Max-Age': '600',
      }).end();
      return;
    }
    if (req.method !== 'POST' || url.pathname !== hookPath) {
      res.writeHead(404, allow).end();
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const next = answers.shift() ?? 200;
    const answer = typeof next === 'number' ? { status: next } : next;
    received.push({ headers: req.headers, body, text, status: answer.status, at: Date.now() });
    const plain = answer.body !== undefined;
    res.writeHead(answer.status, { ...allow, ...(plain ? { 'Content-Type': 'text/plain' } : {}), ...answer.headers }).end(plain ? answer.body : undefined);
  };

  async function start() {
    server = createServer(handle);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    port = server.address().port;
  }

  async function stop() {
    const closing = new Promise((resolve) => server.close(() => resolve(undefined)));
    for (const socket of sockets) socket.destroy();
    await closing;
  }

  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}${hookPath}`;
    },
    received,
    preflights,
    answers,
    /** The site's origin, allowed by CORS. */
    allowOrigin: (o) => {
      origin = o;
    },
    start,
    stop,
    close: stop,
  };
}
