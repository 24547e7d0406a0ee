// A static server for the built site (dist/), used by `npm start`, the integration tests and the
// benchmarks. It can mount the site under a base path, to prove the build works under any base.
import { createServer } from 'node:http';
import sirv from 'sirv';

/**
 * @param {{ dir?: string, port?: number, host?: string, base?: string, cors?: boolean }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function serve({ dir = 'dist', port = 0, host = '127.0.0.1', base = '/', cors = false } = {}) {
  const files = sirv(dir, { dev: false, etag: true, single: false, dotfiles: false });
  const prefix = base.endsWith('/') ? base : `${base}/`;
  const server = createServer((req, res) => {
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    // config.json is read network-first; never let a cache keep an admin's old copy.
    if (req.url?.includes('config.json')) res.setHeader('Cache-Control', 'no-cache');
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
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
