/**
 * The few Gmail API calls call logging needs (https://developers.google.com/workspace/gmail/api/reference/rest):
 * users.labels.list and .create, users.messages.insert. Every failure is a `DeliveryError` saying
 * whether to retry; a missing token asks for a reconnect before anything is sent.
 */
import * as v from 'valibot';
import { DeliveryError, send, type Fetch } from '../delivery.ts';

const WHAT = 'Gmail';

const LabelSchema = v.object({ id: v.string(), name: v.string() });
export type GmailLabel = v.InferOutput<typeof LabelSchema>;
const LabelListSchema = v.object({ labels: v.optional(v.array(LabelSchema), []) });
const MessageSchema = v.object({ id: v.string() });

/**
 * A label name and the names of its parents: "Voice calls/Incoming" → ["Voice calls", "Voice calls/Incoming"].
 * Gmail nests labels by `/` in the name, but shows one nested only where its parent exists; a child
 * created alone shows as one flat label named "Voice calls/Incoming".
 */
export function withParents(name: string): string[] {
  const parts = name.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/')).filter((n) => n && !n.endsWith('/'));
}

/** Gmail compares label names without regard to case: "voice calls" exists if "Voice calls" does. */
const key = (name: string) => name.toLocaleLowerCase('en-US');

export class GmailApi {
  /** Label ids by lower-cased name, once listed; creations add to it. */
  #labels: Map<string, GmailLabel> | undefined;

  constructor(
    private readonly fetch: Fetch,
    private readonly token: () => string | undefined,
    private readonly base = 'https://gmail.googleapis.com',
  ) {}

  #request(method: string, path: string, body?: unknown): Request {
    const token = this.token();
    if (!token) throw new DeliveryError('Gmail is not connected', 'reconnect');
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return new Request(new URL(path, this.base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  async #json<S extends v.GenericSchema>(schema: S, request: Request): Promise<v.InferOutput<S>> {
    const response = await send(this.fetch, request, WHAT);
    const result = v.safeParse(schema, await response.json().catch(() => undefined));
    // An answer we cannot read will read no better next time, but it may be a proxy's page: retry.
    if (!result.success) throw new DeliveryError(`${WHAT} answered ${response.status} with a body that is not the API's`, 'later');
    return result.output;
  }

  /** users.labels.list: every label of the mailbox, system labels included. */
  async listLabels(): Promise<GmailLabel[]> {
    const { labels } = await this.#json(LabelListSchema, this.#request('GET', '/gmail/v1/users/me/labels'));
    this.#labels = new Map(labels.map((l) => [key(l.name), { id: l.id, name: l.name }]));
    return labels;
  }

  /** users.labels.create; a name that exists already (409) is not an error: that label is returned. */
  async createLabel(name: string): Promise<GmailLabel> {
    try {
      const label = await this.#json(LabelSchema, this.#request('POST', '/gmail/v1/users/me/labels', {
        name,
        labelListVisibility: 'labelShow',
        messageListVisibility: 'show',
      }));
      this.#labels?.set(key(label.name), label);
      return label;
    } catch (error) {
      if (!(error instanceof DeliveryError) || error.status !== 409) throw error;
      const existing = (await this.listLabels()).find((l) => key(l.name) === key(name));
      if (!existing) throw new DeliveryError(`${WHAT} says the label "${name}" exists but does not list it`, 'later');
      return existing;
    }
  }

  /**
   * The ids of these labels, in order, creating the missing ones and their parents. Labels are
   * listed once per instance; a label deleted in Gmail since then fails the insert with a 400, which
   * `forgetLabels` answers.
   */
  async ensureLabels(names: string[]): Promise<string[]> {
    if (!this.#labels) await this.listLabels();
    const ids: string[] = [];
    for (const name of names) {
      for (const level of withParents(name)) {
        if (!this.#labels!.has(key(level))) await this.createLabel(level);
      }
      ids.push(this.#labels!.get(key(name))?.id ?? (await this.createLabel(name)).id);
    }
    return [...new Set(ids)];
  }

  /** Drops the cached labels, so the next `ensureLabels` lists them again. */
  forgetLabels(): void {
    this.#labels = undefined;
  }

  /** users.messages.insert, dated by the message's Date header; the new message's id. */
  async insert(raw: string, labelIds: string[]): Promise<string> {
    const request = this.#request('POST', '/gmail/v1/users/me/messages?internalDateSource=dateHeader', { raw, labelIds });
    return (await this.#json(MessageSchema, request)).id;
  }
}
