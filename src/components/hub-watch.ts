/**
 * Notices that the hub died: it holds a Web Lock for its whole life (src/worker/hub-lock.ts), and
 * the browser grants that lock to a tab waiting for it only once the hub is gone, e.g. when the
 * renderer process it shared with a tab crashed. Without this, the panel would go on showing the
 * last status and calls of a hub that no longer answers. Resolves to whether it is watching.
 */
export async function watchHub(locks: LockManager, name: string, gone: () => void): Promise<boolean> {
  // A lock this tab's lock manager does not see held (another storage partition) would be granted
  // at once: that would say nothing about the hub.
  const { held } = await locks.query();
  if (!held?.some((lock) => lock.name === name)) return false;
  void locks.request(name, () => gone());
  return true;
}
