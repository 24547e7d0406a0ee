// The layout's rules, checked on every `npm test`: no import cycle between our modules (type-only
// imports count: they tie two files together as much as any), the panel, the SDK and the service worker
// reach outside their realm only into src/shared, and the hub's folders import downward.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = 'src';

/** Who may import whom, by folder (a path prefix under src/). The longest matching prefix decides. */
const MAY_IMPORT = {
  'shared/': ['shared/'],
  'components/': ['components/', 'shared/'],
  'integrations/': ['integrations/', 'shared/'],
  'sw/': ['sw/', 'shared/'],
  'worker/store/': ['worker/store/', 'worker/log.ts', 'shared/'],
  'worker/calls/': ['worker/calls/', 'worker/store/', 'worker/log.ts', 'shared/'],
  'worker/history/': ['worker/history/', 'worker/store/', 'worker/log.ts', 'shared/'],
  'worker/contacts/': ['worker/contacts/', 'worker/store/', 'worker/log.ts', 'shared/'],
  'worker/sip/': ['worker/sip/', 'worker/calls/', 'worker/store/', 'worker/log.ts', 'shared/'],
  'worker/apps/': ['worker/apps/', 'worker/calls/', 'worker/store/', 'worker/log.ts', 'shared/'],
  'worker/demo/': ['worker/demo/', 'integrations/delivery.ts', 'shared/'],
  // Call logging drives the built-in integrations (Gmail, webhooks) on the app API.
  'worker/logging/': ['worker/logging/', 'worker/calls/', 'worker/store/', 'worker/sip/registration.ts', 'worker/demo/', 'worker/log.ts', 'integrations/', 'shared/'],
  'worker/log.ts': [],
  // The composition root (hub.ts, hub-core.ts, tab-api.ts) wires everything below it.
  'worker/': ['worker/', 'shared/'],
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });
}

const SPECIFIER = /(?:^|[^\w.])(?:import|export)\s*(?:type\s+)?(?:[^'";]*?\sfrom\s*)?\(?\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

const graph = new Map();
for (const file of files(ROOT)) {
  const text = readFileSync(file, 'utf8');
  const deps = [...text.matchAll(SPECIFIER)].map((m) => normalize(join(dirname(file), m[1])));
  graph.set(file, deps.filter((d) => d.startsWith(`${ROOT}/`) && d.endsWith('.ts')));
}

const problems = [];
const rule = (path) => Object.keys(MAY_IMPORT).filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
for (const [file, deps] of graph) {
  const from = relative(ROOT, file);
  const allowed = MAY_IMPORT[rule(from)];
  if (!allowed) continue;
  for (const dep of deps) {
    const to = relative(ROOT, dep);
    if (to === from || !allowed.some((p) => to.startsWith(p))) problems.push(`${file} imports ${dep}: ${rule(from)} may import only ${allowed.join(', ') || 'nothing of ours'}`);
  }
}

// Cycles: a depth-first walk; a module met again while still on the stack closes a cycle.
const state = new Map();
const stack = [];
const visit = (file) => {
  state.set(file, 'open');
  stack.push(file);
  for (const dep of graph.get(file) ?? []) {
    if (state.get(dep) === 'open') problems.push(`import cycle: ${[...stack.slice(stack.indexOf(dep)), dep].join(' → ')}`);
    else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(file, 'done');
};
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`imports: ${graph.size} modules, no cycle, every realm within its bounds`);
