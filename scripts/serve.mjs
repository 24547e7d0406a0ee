// A static server for the built site (dist/), used by `npm start`, the integration tests and the
// benchmarks. It can mount the site under a base path, to prove the build works under any base.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';

/**
 * The panel's Content-Security-Policy, as index.html's `<meta>` states it. The panel narrows `frame-src`
 * to its registered apps at run time, so it stays open to http(s) here.
 */
export const PAGE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http:; connect-src 'self'; " +
  "worker-src 'self'; frame-src https: http:; object-src 'none'; base-uri 'none'; form-action 'self'";

/** The header a host sends with the panel's pages: the same, and no page of any origin may frame it. */
export const PAGE_POLICY_HEADER = `${PAGE_POLICY}; frame-ancestors 'none'`;

/**
 * The header for a site whose `config.json` lists `embedders`: the pages of those origins (a CRM that
 * iframes the panel) may frame it, no other page may. With no list it is `PAGE_POLICY_HEADER`.
 *
 * @param {unknown} embedders `config.json`'s `embedders`: origins such as `https://crm.example`
 */
export function pagePolicyHeader(embedders) {
  if (embedders === undefined || (Array.isArray(embedders) && embedders.length === 0)) return PAGE_POLICY_HEADER;
  if (!Array.isArray(embedders)) throw new Error('config.json: "embedders" must be a list of origins, like ["https://crm.example"]');
  const origins = embedders.map((value) => {
    let url;
    try {
      url = new URL(String(value));
    } catch {
      url = undefined;
    }
    // An origin and nothing else: a path, a wildcard or a quote would widen or break the policy.
    const plain = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i;
    if (!url || !plain.test(url.origin) || url.origin !== String(value).replace(/\/$/, '')) {
      throw new Error(`config.json: embedder ${JSON.stringify(value)} is not an origin like "https://crm.example"`);
    }
    return url.origin;
  });
  return `${PAGE_POLICY}; frame-ancestors ${[...new Set(origins)].join(' ')}`;
}

/** `embedders` from a config.json text; none if there is no file. */
function embeddersIn(text) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text).embedders;
  } catch (error) {
    throw new Error(`config.json is not JSON: ${error.message}`);
  }
}

/**
 * @param {{ dir?: string, port?: number, host?: string, base?: string, cors?: boolean, policy?: boolean,
 *           files?: Record<string, string>, mounts?: Record<string, string> }} options
 *   `policy`: send the panel's policy header with the site's pages (default; false for a page that is
 *   not the panel, such as the benchmarks' baseline, which opens its own WebSocket to the PBX);
 *   `files`: paths (under the base) answered with the given JSON or text instead of a file, e.g. a
 *   `config.json` listing apps (its `embedders` set the policy's `frame-ancestors`); `mounts`: path prefixes served from other directories (without the
 *   panel's policy header: apps and test pages must be framed).
 * @returns {Promise<{ url: string, origin: string, port: number, setDir(dir: string): void, setFile(path: string, body: string): void, close(): Promise<void> }>}
 */
export async function serve({ dir = 'dist', port = 0, host = '127.0.0.1', base = '/', cors = false, policy = true, files: fixed = {}, mounts = {} } = {}) {
  const open = (d, setHeaders) => sirv(d, { dev: false, etag: true, single: false, dotfiles: false, setHeaders });
  // The site's pages are the panel's: they carry its policy. A page is `…/`, `*.html`, or a path without
  // an extension (sirv answers it with `<path>.html`); never a script, or a worker would get the policy.
  const isPage = (pathname) => pathname.endsWith('.html') || !/\.[^/]*$/.test(pathname);
  let siteDir = dir;
  // The header follows config.json's `embedders` as it is now (the file, or a `files` answer standing in for it).
  const config = () => (Object.hasOwn(fixed, '/config.json') ? fixed['/config.json'] : existsSync(join(siteDir, 'config.json')) ? readFileSync(join(siteDir, 'config.json'), 'utf8') : undefined);
  const header = () => pagePolicyHeader(embeddersIn(config()));
  const site = (d) => open(d, (res, pathname) => policy && isPage(pathname) && res.setHeader('Content-Security-Policy', header()));
  header(); // A config.json the header cannot be made from stops the server here, not at the first page.
  let files = site(dir);
  const mounted = Object.entries(mounts).map(([prefix, d]) => [prefix, open(d)]);
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
    const local = req.url.split('?')[0];
    // The SDK is an ES module apps import from their own origin: it needs CORS.
    if (local.startsWith('/sdk/')) res.setHeader('Access-Control-Allow-Origin', '*');
    if (Object.hasOwn(fixed, local)) {
      res.writeHead(200, { 'Content-Type': local.endsWith('.json') ? 'application/json' : 'text/plain' }).end(fixed[local]);
      return;
    }
    for (const [mount, handler] of mounted) {
      if (local.startsWith(mount)) {
        req.url = `/${req.url.slice(mount.length)}`;
        handler(req, res, () => res.writeHead(404).end('Not found'));
        return;
      }
    }
    files(req, res, () => res.writeHead(404).end('Not found'));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}${prefix}`,
    origin: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}`,
    port: actual,
    /** Answer `path` with `body` from now on (e.g. another config.json). */
    setFile: (path, body) => {
      if (path === '/config.json') pagePolicyHeader(embeddersIn(body));
      fixed[path] = body;
    },
    /** Serve another directory from now on (a new deployment of the site). */
    setDir: (d) => {
      siteDir = d;
      files = site(d);
    },
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
