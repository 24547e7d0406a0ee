/**
 * How a delivery (a Gmail insert, a webhook POST) failed, told to the outbox as what to do next: try
 * again later, never (the request itself is wrong and would fail the same way), or after the user
 * reconnects (the credentials were refused). Shared by every destination so they answer alike.
 */
import * as v from 'valibot';

/** The one way a destination sends: a `fetch` given a whole `Request` (msw's `getResponse` fits too). */
export type Fetch = (input: Request) => Promise<Response>;

export type Retry = 'later' | 'never' | 'reconnect';

/** Why a delivery did not happen, and what the outbox should do about it. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: Retry,
    /** From the server's `Retry-After`, when it said one. */
    readonly retryAfterMs?: number,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Google's error body (https://developers.google.com/workspace/gmail/api/guides/handle-errors). */
const GoogleErrorSchema = v.object({
  error: v.object({
    message: v.optional(v.string()),
    errors: v.optional(v.array(v.object({ reason: v.optional(v.string()), message: v.optional(v.string()) }))),
  }),
});

/** What other APIs (and webhook receivers) commonly answer: `{ "message": … }` or `{ "error": "…" }`. */
const PlainErrorSchema = v.union([v.object({ message: v.string() }), v.object({ error: v.string() })]);

/** Google's 403s that mean "too fast", not "forbidden" (usage limits, Gmail's resolve-errors guide). */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'dailyLimitExceeded']);

/** A body is read only this far: an error page is no reason to hold megabytes. */
const MAX_BODY = 16 * 1024;
const MAX_REASON = 300;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function bodyOf(response: Response): Promise<{ human?: string; reasons: string[] }> {
  let text: string;
  try {
    text = (await response.text()).slice(0, MAX_BODY);
  } catch {
    return { reasons: [] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A short plain-text answer is a reason a person can read; an HTML error page is not.
    const plain = /^text\/plain/i.test(response.headers.get('content-type') ?? '');
    return { human: plain && text.trim() ? oneLine(text) : undefined, reasons: [] };
  }
  const google = v.safeParse(GoogleErrorSchema, json);
  if (google.success) {
    const { message, errors = [] } = google.output.error;
    const reasons = errors.flatMap((e) => (e.reason ? [e.reason] : []));
    const human = message ?? errors.find((e) => e.message)?.message;
    return { human: human ? oneLine(human) : undefined, reasons };
  }
  const plain = v.safeParse(PlainErrorSchema, json);
  if (plain.success) return { human: oneLine('message' in plain.output ? plain.output.message : plain.output.error), reasons: [] };
  return { reasons: [] };
}

/**
 * Classifies an answer that is not a success: 401 → reconnect; 408, 429 and 5xx → later (with
 * `Retry-After` when given); Google's 403 for a rate or daily limit → later; any other 4xx → never.
 * The message names `what`, the status and the server's own reason where it gave one.
 */
export async function failureOf(response: Response, what: string): Promise<DeliveryError> {
  const { status } = response;
  const { human, reasons } = await bodyOf(response);
  const said = [human, reasons.length ? `(${reasons.join(', ')})` : undefined].filter(Boolean).join(' ');
  const message = `${what} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}${said ? `: ${said}` : ''}`;
  const wait = retryAfterMs(response.headers.get('retry-after'));
  if (status === 401) return new DeliveryError(message, 'reconnect', undefined, status);
  if (status === 0 || status === 408 || status === 429 || status >= 500) return new DeliveryError(message, 'later', wait, status);
  if (status === 403 && reasons.some((r) => RATE_REASONS.has(r))) return new DeliveryError(message, 'later', wait, status);
  return new DeliveryError(message, 'never', undefined, status);
}

/** How long one request may take before it counts as lost (and is tried again later). */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Sends `request` and returns a successful response, or throws a `DeliveryError`: the network lost
 * (fetch's `TypeError`) or no answer in time → later; an answer that is not 2xx → `failureOf`.
 */
export async function send(fetch: Fetch, request: Request, what: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`${what} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'later')), timeoutMs);
  });
  let response: Response;
  try {
    response = await Promise.race([fetch(request), timeout]);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    const why = error instanceof Error && error.message ? `: ${error.message}` : '';
    throw new DeliveryError(`${what} could not be reached${why}`, 'later');
  } finally {
    clearTimeout(timer);
  }
  // `Response.error()` is how a fetch stand-in (msw's `getResponse`) says the network failed.
  if (response.type === 'error') throw new DeliveryError(`${what} could not be reached`, 'later');
  if (!response.ok) throw await failureOf(response, what);
  return response;
}
