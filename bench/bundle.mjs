// Benchmark 4: what a browser downloads, from the build (vite build, as `npm run build` makes dist/).
//   panel: the entry script of index.html and every chunk it imports statically;
//   hub:   hub.js and every chunk it imports statically (not the chunks only reached through a
//          dynamic import(), i.e. the demo PBX, listed on their own line);
//   service worker: any sw/service-worker script in dist/ or a serviceWorker.register() call.
// Import graphs come from es-module-lexer over the built files. Sizes: raw, gzip (level 9) and
// brotli (quality 11). The hub's composition by package comes from its source map.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';
import { DIST } from './lib/dist.mjs';
import { kb, table } from './lib/report.mjs';


function sizes(files) {
  const buf = Buffer.concat(files.map((f) => readFileSync(path.join(DIST, f))));
  // Each file is fetched and compressed on its own: sum per-file compressed sizes.
  let gzip = 0;
  let brotli = 0;
  for (const f of files) {
    const b = readFileSync(path.join(DIST, f));
    gzip += gzipSync(b, { level: 9 }).length;
    brotli += brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return { raw: buf.length, gzip, brotli };
}

/** Static and dynamic imports of a built file, as paths relative to dist/. */
function imports(file) {
  const code = readFileSync(path.join(DIST, file), 'utf8');
  const [list] = parse(code);
  const out = { static: [], dynamic: [] };
  for (const i of list) {
    // A dynamic import of a plain template literal (import(`./x.js`)) has no `n`: read it.
    const spec = i.n ?? (i.d > -1 ? /^`([^`$]*)`$/.exec(code.slice(i.s, i.e).trim())?.[1] : undefined);
    if (!spec || !spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    (i.d > -1 ? out.dynamic : out.static).push(target);
  }
  return out;
}

/** Files reached from `entry` through static imports only, and the dynamic imports met on the way. */
function closure(entry) {
  const seen = new Set();
  const dynamic = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const { static: s, dynamic: d } = imports(f);
    for (const x of d) dynamic.add(x);
    for (const x of s) visit(x);
  };
  visit(entry);
  return { files: [...seen], dynamic: [...dynamic].filter((d) => !seen.has(d)) };
}

// ── source map attribution (base64 VLQ) ─────────────────────────────────────────────────────
const B64 = Object.fromEntries([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));
function decodeVlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = B64[c];
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Minified bytes of `file` per package (node_modules/<name>, or "app" for our own sources). */
function composition(file) {
  const mapFile = path.join(DIST, `${file}.map`);
  if (!existsSync(mapFile)) return undefined;
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const lines = readFileSync(path.join(DIST, file), 'utf8').split('\n');
  const owner = (i) => {
    const s = map.sources[i] ?? '';
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(s);
    return m ? m[1] : 'app (src/)';
  };
  const bytes = {};
  let source = 0;
  map.mappings.split(';').forEach((lineMap, lineNo) => {
    const text = lines[lineNo] ?? '';
    const segs = lineMap ? lineMap.split(',') : [];
    let col = 0;
    const starts = [];
    for (const seg of segs) {
      const v = decodeVlq(seg);
      col += v[0];
      if (v.length >= 4) source += v[1];
      starts.push([col, v.length >= 4 ? source : -1]);
    }
    const lead = starts.length ? starts[0][0] : text.length;
    if (lead > 0) bytes['(unmapped)'] = (bytes['(unmapped)'] ?? 0) + lead;
    starts.forEach(([c, s], k) => {
      const end = k + 1 < starts.length ? starts[k + 1][0] : text.length;
      const key = s < 0 ? '(unmapped)' : owner(s);
      bytes[key] = (bytes[key] ?? 0) + Buffer.byteLength(text.slice(c, end));
    });
  });
  return bytes;
}

export async function runBundle() {
  await init;
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const entry = /<script[^>]+type="module"[^>]+src="\.?\/?([^"]+)"/.exec(html)?.[1];
  if (!entry) throw new Error(`no module script in ${DIST}/index.html`);
  const panel = closure(entry);
  const hub = closure('hub.js');
  // Lazy chunks of the hub: phone numbers (loaded beside it at every start, awaited only where numbers
  // are read), the app API (loaded with the first app) and the demo PBX (with the demo).
  const appsLazy = hub.dynamic.filter((f) => /^hub-app-api-/.test(path.basename(f)));
  const phoneLazy = hub.dynamic.filter((f) => /^hub-phone-numbers-/.test(path.basename(f)));
  const lazy = new Set();
  const visitLazy = (f) => {
    if (lazy.has(f) || hub.files.includes(f) || appsLazy.includes(f) || phoneLazy.includes(f)) return;
    lazy.add(f);
    const { static: s, dynamic: d } = imports(f);
    for (const x of [...s, ...d]) visitLazy(x);
  };
  for (const d of hub.dynamic) visitLazy(d);

  const swFiles = readdirSync(DIST, { recursive: true }).map(String).filter((f) => /(^|\/)(sw|service-worker)[^/]*\.js$/.test(f));
  const registers = readdirSync(DIST, { recursive: true }).map(String)
    .filter((f) => f.endsWith('.js') && readFileSync(path.join(DIST, f), 'utf8').includes('serviceWorker.register'));

  const p = sizes(panel.files);
  const h = sizes(hub.files);
  const l = sizes([...lazy]);
  const a = sizes(appsLazy);
  const n = sizes(phoneLazy);
  const goal = (bytes, limit) => `≤ ${limit} KB: ${bytes <= limit * 1024 ? 'met' : 'NOT met'}`;
  const rows = [
    ['panel (index.html entry + static imports)', panel.files.join(', '), kb(p.raw), kb(p.gzip), kb(p.brotli), goal(p.gzip, 60)],
    ['hub (hub.js + static imports)', hub.files.join(', '), kb(h.raw), kb(h.gzip), kb(h.brotli), goal(h.gzip, 90)],
    ['phone numbers (loaded beside the hub at start)', phoneLazy.join(', ') || 'none', kb(n.raw), kb(n.gzip), kb(n.brotli), 'not counted'],
    ['app API (lazy, loaded with the first app)', appsLazy.join(', ') || 'none', kb(a.raw), kb(a.gzip), kb(a.brotli), 'not counted'],
    ['demo PBX (lazy, only for "Try the demo")', `${lazy.size} chunks (below)`, kb(l.raw), kb(l.gzip), kb(l.brotli), 'not counted'],
    ['service worker', swFiles.length || registers.length ? [...swFiles, ...registers].join(', ') : 'none in this build', '—', '—', '—', '—'],
  ];
  table('Bundle sizes (vite build)', ['what', 'files', 'raw', 'gzip -9', 'brotli 11', 'goal (gzip)'], rows, [
    'KB = 1024 bytes; compressed sizes are per file, summed. hub.js reaches the demo chunks only through',
    `import() when "Try the demo" is used: ${[...lazy].join(', ') || 'none'}.`,
  ]);

  const comp = composition('hub.js');
  if (comp) {
    const total = Object.values(comp).reduce((a, b) => a + b, 0);
    const crows = Object.entries(comp)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, kb(v), `${((100 * v) / total).toFixed(1)} %`]);
    table('What hub.js is made of (minified bytes by source package, from hub.js.map)', ['package', 'minified', 'share'], crows);
  }
  return { panel: { files: panel.files, ...p }, hub: { files: hub.files, ...h }, lazy: { files: [...lazy], ...l }, serviceWorker: [...swFiles, ...registers], hubComposition: comp };
}
