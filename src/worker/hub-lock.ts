/**
 * A Web Lock the hub holds for as long as it lives, named in every hello, so that tabs can tell when
 * it is gone. A SharedWorker that dies with its renderer process (a crash of the tab it shared the
 * process with) says nothing to the other tabs, and their calls to it never return; but the
 * browser releases its locks, so a tab waiting for this one is granted it then (hub-watch.ts).
 */
export const hubLock: Promise<string> = new Promise((granted) => {
  const name = `patchbay-hub-${crypto.randomUUID()}`;
  void navigator.locks.request(name, () => {
    granted(name);
    return new Promise(() => undefined);
  });
});
