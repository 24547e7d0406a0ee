/**
 * Tells the user about a ringing call when the panel is not in view: the tab title changes in every
 * tab, and the tab that plays audio asks the service worker for one system notification per ringing
 * call, with "Answer" and "Decline", which it shows only while no Patchbay tab has focus. What the user
 * picks there comes back to a tab as a message and is done through the hub like a click in the panel.
 * Without a service worker (a development server) the audio tab shows a plain notification instead.
 */
import type { CallRecord } from '../../shared/api.ts';
import { ringTag, type NotificationChoice, type RingMessage } from '../../shared/notifications.ts';
import { who } from '../format.ts';
import type { HubClient } from '../hub-client.ts';
import { t } from '../strings.ts';

export class CallAlerts {
  /** Calls this tab asked to be notified of, with the plain notification where there is no service worker. */
  private readonly shown = new Map<string, Notification | undefined>();
  private readonly baseTitle = document.title;

  private pending = false;

  constructor(private readonly client: HubClient) {
    // After the panel has rendered the change: the screen pop comes first.
    client.addEventListener('change', () => {
      if (this.pending) return;
      this.pending = true;
      setTimeout(() => {
        this.pending = false;
        this.update();
      });
    });
    navigator.serviceWorker?.addEventListener('message', (event: MessageEvent) => this.onChoice(event.data));
  }

  /** Whether the panel should offer "Allow notifications" (never asked yet, and the browser can show them). */
  static get askable(): boolean {
    return 'Notification' in window && Notification.permission === 'default';
  }

  /** Asks for notification permission: only from a user gesture, after saying why. */
  static async ask(): Promise<NotificationPermission | undefined> {
    if (!('Notification' in window)) return undefined;
    if (Notification.permission === 'default') return Notification.requestPermission().catch(() => Notification.permission);
    return Notification.permission;
  }

  private onChoice(data: unknown): void {
    const choice = data as NotificationChoice | null;
    if (choice?.patchbay !== 'notification' || typeof choice.id !== 'string') return;
    const call = this.client.calls.get(choice.id);
    if (!call) return;
    const api = this.client.api;
    const act = choice.action === 'answer' && call.state === 'ringing' ? api.answer(call.id)
      : choice.action === 'decline' && call.state === 'ringing' ? api.sendToVoicemail(call.id)
        : undefined;
    act?.catch((error: Error) => document.querySelector('patchbay-app')?.dispatchEvent(new CustomEvent('pb-error', { detail: error.message })));
    if (choice.action !== 'decline') window.focus();
  }

  private update(): void {
    const ringing = this.client.liveCalls.filter((c) => c.state === 'ringing' && c.direction === 'inbound');
    const title = ringing.length ? t.call.incomingTitle(who(ringing[0]!), this.baseTitle) : this.baseTitle;
    if (document.title !== title) document.title = title;
    for (const [id, n] of this.shown) {
      if (!ringing.some((c) => c.id === id)) {
        n?.close();
        this.shown.delete(id);
        this.post({ patchbay: 'ring-over', id });
      }
    }
    if (!this.client.mediaRole) return;
    for (const call of ringing) if (!this.shown.has(call.id)) this.notify(call);
  }

  private post(message: RingMessage): boolean {
    const worker = navigator.serviceWorker?.controller;
    worker?.postMessage(message);
    return Boolean(worker);
  }

  private notify(call: CallRecord): void {
    // "Grace Hopper · +1 555 0100 · Acme": who, the number if a name stands for it, the company.
    const name = who(call);
    const body = [name, name !== call.remote.number ? call.remote.number : undefined, call.contact?.company].filter(Boolean).join(' · ');
    const title = t.call.incoming;
    if (this.post({ patchbay: 'ring', id: call.id, title, body })) {
      this.shown.set(call.id, undefined);
      return;
    }
    if (document.visibilityState === 'visible' || !('Notification' in window) || Notification.permission !== 'granted') return;
    const n = new Notification(title, { body, tag: ringTag(call.id), requireInteraction: true });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    this.shown.set(call.id, n);
  }
}
