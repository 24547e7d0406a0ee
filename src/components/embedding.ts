/**
 * The panel iframed by another site (a CRM). Browsers partition a cross-site frame's storage by the
 * top-level site: its SharedWorker, IndexedDB and Web Locks are its own, so it runs a hub of its own,
 * with its own sign-in and its own registration. Where the Storage Access API reaches unpartitioned
 * storage (Chromium: `requestStorageAccess` with types, and the handle's `SharedWorker` and `locks`),
 * the user may choose "Use this browser's phone": the frame then joins the hub the site's own tabs use.
 */

/** What `document.requestStorageAccess(types)` hands back (Storage Access API beyond cookies). */
interface StorageAccessHandle {
  readonly locks: LockManager;
  SharedWorker(url: string, options?: WorkerOptions & { sameSiteCookies?: 'none' }): SharedWorker;
}

type RequestStorageAccess = (types: { SharedWorker: true; locks: true }) => Promise<StorageAccessHandle>;

/** The first-party hub and the locks its tabs hold, reached through a storage access handle. */
export interface FirstPartyHub {
  worker: SharedWorker;
  locks: LockManager;
}

/** This page is in a frame of another origin (reading the top's origin is refused). */
export function framedByAnotherSite(): boolean {
  if (window.top === window) return false;
  try {
    return window.top?.location.origin !== location.origin;
  } catch {
    return true;
  }
}

const supported = () => framedByAnotherSite() && 'requestStorageAccess' in document && 'permissions' in navigator;

async function permission(): Promise<PermissionState | undefined> {
  try {
    return (await navigator.permissions.query({ name: 'storage-access' as PermissionName })).state;
  } catch {
    return undefined;
  }
}

async function handle(): Promise<StorageAccessHandle> {
  const request = document.requestStorageAccess as unknown as RequestStorageAccess;
  const granted = await request.call(document, { SharedWorker: true, locks: true });
  // A browser that knows only the cookie form of the API resolves without a handle.
  if (typeof granted?.SharedWorker !== 'function' || !granted.locks) throw new Error('This browser gives frames no access to its own hub');
  return granted;
}

/**
 * Where this frame was allowed before (the browser remembers the grant for this site pair), the
 * first-party hub: the same script, name and options as the early start's (vite.config.ts, earlyHub),
 * so it is the one worker the site's tabs share. Otherwise undefined, and the frame runs its own hub.
 */
export async function firstPartyHub(): Promise<FirstPartyHub | undefined> {
  if (!supported() || (await permission()) !== 'granted') return undefined;
  try {
    const granted = await handle();
    // A worker is found by its script, name and options: the site's tabs start theirs with these.
    const worker = granted.SharedWorker(new URL('hub.js', document.baseURI).href, { type: 'module', name: 'patchbay-hub', sameSiteCookies: 'none' });
    return { worker, locks: granted.locks };
  } catch {
    return undefined;
  }
}

/** The user may be asked: a frame of another site, a browser with the API, and no answer yet. */
export async function mayAskForStorageAccess(): Promise<boolean> {
  return supported() && (await permission()) === 'prompt';
}

/**
 * Asks the browser (from a click: it needs a user gesture) and, once granted, loads the frame again
 * so that it starts on the first-party hub. Rejects with the browser's reason when refused.
 */
export async function askForStorageAccess(): Promise<void> {
  await handle();
  location.reload();
}
