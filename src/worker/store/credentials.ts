/**
 * "Remember me": the sign-in options encrypted with AES-GCM under a non-extractable WebCrypto key.
 * Both the key and the ciphertext live in IndexedDB (never localStorage). The key cannot be read out
 * by any script, so a copy of the stored data is useless elsewhere; anyone who can use this browser
 * profile on this site can still sign in with it. The server's URL is kept in clear beside them (as
 * the last account is): the hub opens a WebSocket to it while it still opens the store and decrypts.
 */
import type { SignInOptions } from '../../shared/api.ts';
import { DB_NAME, type CallStore } from './call-store.ts';

const KEY = 'credentials-key';
const DATA = 'credentials';

interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
  /** The sign-in's server, in clear (absent from what was remembered before it was kept). */
  server?: string;
}

async function key(store: CallStore): Promise<CryptoKey> {
  const existing = await store.getValue<CryptoKey>(KEY);
  if (existing) return existing;
  const created = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await store.setValue(KEY, created);
  return created;
}

/** Encrypts a sign-in under the profile's key into `slot`, with `clear` (what need not be secret) beside it. */
async function seal(store: CallStore, slot: string, options: SignInOptions, clear: Partial<Sealed> = {}): Promise<void> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(options));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await key(store), plain);
  await store.setValue(slot, { ...clear, iv, data } satisfies Sealed);
}

/** The sign-in sealed in `slot`; one that cannot be decrypted (another key, damage) is dropped. */
async function unseal(store: CallStore, slot: string, drop: () => Promise<void>): Promise<SignInOptions | undefined> {
  const sealed = await store.getValue<Sealed>(slot);
  if (!sealed) return undefined;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, await key(store), sealed.data);
    return JSON.parse(new TextDecoder().decode(plain)) as SignInOptions;
  } catch {
    await drop();
    return undefined;
  }
}

export function remember(store: CallStore, options: SignInOptions): Promise<void> {
  return seal(store, DATA, { ...options, remember: true }, { server: options.server });
}

export function recall(store: CallStore): Promise<SignInOptions | undefined> {
  return unseal(store, DATA, () => forget(store));
}

export async function forget(store: CallStore): Promise<void> {
  await store.deleteValue(DATA);
  await store.deleteValue(KEY);
}

const SESSION = 'session-credentials';

/**
 * Without SharedWorker the hub lives in one tab and the next tab starts another when it closes
 * (components/hub-link.ts): a sign-in without "Remember me" is sealed here, under the same key, so that
 * the next hub resumes it. Cleared at sign-out and when the first tab starts a hub afresh.
 */
export function keepSession(store: CallStore, options: SignInOptions): Promise<void> {
  return seal(store, SESSION, { ...options, remember: false });
}

export function recallSession(store: CallStore): Promise<SignInOptions | undefined> {
  return unseal(store, SESSION, () => forgetSession(store));
}

export async function forgetSession(store: CallStore): Promise<void> {
  await store.deleteValue(SESSION);
}

/**
 * The remembered sign-in's server, read on a connection of its own so that it need not wait for the
 * store to open and recover. Never creates the database (the store does, at its version).
 */
export function rememberedServer(name = DB_NAME): Promise<string | undefined> {
  return new Promise((resolve) => {
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.open(name);
    } catch {
      resolve(undefined);
      return;
    }
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onerror = (event) => {
      event.preventDefault();
      resolve(undefined);
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      const done = (server?: unknown) => {
        db.close();
        resolve(typeof server === 'string' ? server : undefined);
      };
      if (!db.objectStoreNames.contains('kv')) return done();
      try {
        const get = db.transaction('kv', 'readonly').objectStore('kv').get(DATA);
        get.onsuccess = () => done((get.result as Partial<Sealed> | undefined)?.server);
        get.onerror = () => done();
      } catch {
        done();
      }
    };
  });
}
