/**
 * Posts one final call to a webhook as JSON (the payload and its contract: ./README.md). The record
 * is read through the same API iframed apps use.
 */
import type { CallRecord } from '../../shared/record.ts';
import { DeliveryError, send, type Fetch } from '../delivery.ts';

export const WEBHOOK_EVENT = 'call.final';
export const WEBHOOK_VERSION = 1;

export interface WebhookPayload {
  event: typeof WEBHOOK_EVENT;
  version: typeof WEBHOOK_VERSION;
  /** When this attempt was sent, ISO 8601. */
  deliveredAt: string;
  call: CallRecord;
}

export interface WebhookSenderOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetch: Fetch;
  calls: { get(id: string): Promise<CallRecord | undefined> };
}

export class WebhookSender {
  constructor(private readonly opts: WebhookSenderOptions) {}

  /** POSTs the call; `ref` is the receiver's HTTP status. */
  async deliver(callId: string): Promise<{ ref: string }> {
    const { url, token, fetch, calls } = this.opts;
    const what = `The webhook ${URL.canParse(url) ? new URL(url).host : url}`;
    if (!/^https?:/i.test(url) || !URL.canParse(url)) throw new DeliveryError(`${what}: its address is not an http(s) URL`, 'never');
    const record = await calls.get(callId);
    if (!record) throw new DeliveryError(`Call ${callId} is no longer in the history`, 'never');
    // `log` is the hub's own bookkeeping of these deliveries: it changes between attempts.
    const call = Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'log')) as CallRecord;
    const payload: WebhookPayload = { event: WEBHOOK_EVENT, version: WEBHOOK_VERSION, deliveredAt: new Date().toISOString(), call };
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Idempotency-Key': record.id };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await send(fetch, new Request(url, { method: 'POST', headers, body: JSON.stringify(payload) }), what);
    // The body is not read: a receiver owes us nothing but its status.
    await response.body?.cancel().catch(() => undefined);
    return { ref: String(response.status) };
  }
}
