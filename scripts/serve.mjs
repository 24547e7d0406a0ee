// A static server for the built site (dist/), used by `npm start`, the integration tests and the
// benchmarks. It can mount the site under a base path, to prove the build works under any base.
import { createServer } from 'node:http';
import sirv from 'sirv';

/**
 * @param {{ dir?: string, port?: number, host?: string, base?: string, cors?: boolean }} options
 * @returns {Promise<{ url: string, port: number, setDir(dir: string): void, close(): Promise<void> }>}
 */
export async function serve({ dir = 'dist', port = 0, host = '127.0.0.1', base = '/', cors = false } = {}) {
  const open = (d) => sirv(d, { dev: false, etag: true, single: false, dotfiles: false });
  let files = open(dir);
  const prefix = base.endsWith('/') ? base : `${base}/`;
  const server = createServer((req, res) => {
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    // Hashed assets never change; everything else (index.html, hub.js, config.json) must be
    // revalidated, or a browser's heuristic cache keeps serving the previous deployment.
    const path = req.url?.split('?')[0] ?? '';
    res.setHeader('Cache-Control', /\/assets\/[^/]+-[\w-]{8}\.\w+$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (!req.url?.startsWith(prefix)) {
      if (req.url === prefix.slice(0, -1)) {
        res.writeHead(301, { Location: prefix }).end();
        return;
      }
      res.writeHead(404).end('Not found');
      return;
    }
    req.url = `/${req.url.slice(prefix.length)}`;
    files(req, res, () => res.writeHead(404).end('Not found'));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}${prefix}`,
    port: actual,
    /** Serve another directory from now on (a new deployment of the site). */
    setDir: (d) => {
      files = open(d);
    },
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
