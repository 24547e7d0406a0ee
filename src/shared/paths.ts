/** Dotted paths into call records ("contact.name"): read, and copy-on-write set. No dependencies, so the SDK shares them. */

/** Reads a dotted path. */
export function getPath(record: object, path: string): unknown {
  let node: unknown = record;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Returns a copy of `record` with `path` set (or removed when `value` is undefined); copies only the branch. */
export function setPath<T extends object>(record: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  const copy = { ...record } as Record<string, unknown>;
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy as T;
  }
  const child = copy[head];
  const next = setPath(child !== null && typeof child === 'object' ? (child as object) : {}, rest.join('.'), value);
  if (Object.keys(next).length === 0) delete copy[head];
  else copy[head] = next;
  return copy as T;
}
