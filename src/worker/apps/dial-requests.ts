/**
 * Calls an app asks for (`phone.dial`), waiting for the user. An app never places a call, or puts the
 * user's live call on hold, by itself: the panel shows "CRM wants to call +1 555 0100" with Call and
 * Cancel, and only the user's Call dials.
 *
 * ```
 *   ask ──▶ waiting ──Call──▶ dialled (the app gets the call's id)
 *              │ ──Cancel / 60 s / app gone──▶ refused (PermissionDenied)
 * ```
 * One request per app waits at a time; an app asking again meanwhile is told `RateLimited`. Apps reach
 * numbers and extensions, or SIP addresses at the PBX's own domain, never another domain.
 */
import type { DialRequest } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';
import type { RegisteredApp } from './app-registry.ts';

/** How long a request waits for the user. */
export const DIAL_REQUEST_TTL = 60_000;

/** Digits as people write them, with the keypad's * and #: `+1 (555) 010-0100`, `1002`, `*97`. */
const NUMBER = /^\+?[\d\s().\-*#]{1,40}$/;
const SIP_URI = /^sips?:([^@\s;?>]+)@([^\s;?>:]+)(?::\d{1,5})?$/i;

interface Waiting {
  request: DialRequest;
  resolve: (callId: string) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class DialRequests {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    /** The PBX's domain, once signed in. */
    private readonly domain: () => string | undefined,
    private readonly dial: (target: string) => Promise<string>,
    private readonly announce: (requests: DialRequest[]) => void,
  ) {}

  /** Checks the target and queues the request; `placed` settles when the user decides. */
  ask(app: Pick<RegisteredApp, 'id' | 'name'>, target: string): { id: string; placed: Promise<string> } {
    const t = target.trim();
    const domain = this.domain();
    if (!domain) throw hubError('NotSignedIn', 'The phone is not signed in');
    const uri = SIP_URI.exec(t);
    if (!(NUMBER.test(t) && /\d/.test(t)) && !(uri && uri[2]!.toLowerCase() === domain.toLowerCase())) {
      throw hubError('PermissionDenied', `Apps may call numbers and extensions, or SIP addresses at ${domain}; not "${t.slice(0, 80)}"`);
    }
    if ([...this.waiting.values()].some((w) => w.request.appId === app.id)) {
      throw hubError('RateLimited', `A call that ${app.name} asked for is already waiting for the user`);
    }
    const id = crypto.randomUUID();
    let settle!: Pick<Waiting, 'resolve' | 'reject'>;
    const placed = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
    const request: DialRequest = { id, appId: app.id, appName: app.name, target: t, at: Date.now() };
    const timer = setTimeout(() => this.withdraw(id, `The user did not confirm the call within ${DIAL_REQUEST_TTL / 1000} s`), DIAL_REQUEST_TTL);
    this.waiting.set(id, { request, ...settle, timer });
    this.changed();
    return { id, placed };
  }

  /** The user's answer, from the panel: Call dials, Cancel refuses. */
  async decide(id: string, call: boolean): Promise<string | undefined> {
    const w = this.waiting.get(id);
    if (!w) throw hubError('NotFound', 'That call request is no longer waiting');
    this.remove(id);
    if (!call) {
      w.reject(hubError('PermissionDenied', 'The user cancelled the call'));
      return undefined;
    }
    try {
      const callId = await this.dial(w.request.target);
      w.resolve(callId);
      return callId;
    } catch (error) {
      w.reject(error as Error);
      throw error;
    }
  }

  /** Refuses a request without the user (timed out, or the app is gone). */
  withdraw(id: string, reason: string): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.remove(id);
    w.reject(hubError('PermissionDenied', reason));
  }

  /** Refuses every request of an app (it left the registry or lost its grant). */
  withdrawApp(appId: string, reason: string): void {
    for (const [id, w] of this.waiting) if (w.request.appId === appId) this.withdraw(id, reason);
  }

  list(): DialRequest[] {
    return [...this.waiting.values()].map((w) => w.request);
  }

  private remove(id: string) {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    this.changed();
  }

  private changed() {
    this.announce(this.list());
  }
}
