/**
 * Tells the user about a ringing call when the panel is not in view: the tab title changes in every
 * tab, and the tab that plays audio shows one system notification (if the user allowed them).
 */
import type { CallRecord } from '../../shared/api.ts';
import { who } from '../format.ts';
import type { HubClient } from '../hub-client.ts';

export class CallAlerts {
  private readonly shown = new Map<string, Notification>();
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
  }

  /** Ask for notification permission; call from a user gesture (e.g. signing in). */
  static async ask(): Promise<void> {
    if ('Notification' in window && Notification.permission === 'default') {
      await Notification.requestPermission().catch(() => undefined);
    }
  }

  private update(): void {
    const ringing = this.client.liveCalls.filter((c) => c.state === 'ringing' && c.direction === 'inbound');
    const title = ringing.length ? `Incoming call: ${who(ringing[0]!)} · ${this.baseTitle}` : this.baseTitle;
    if (document.title !== title) document.title = title;
    for (const [id, n] of this.shown) {
      if (!ringing.some((c) => c.id === id)) {
        n.close();
        this.shown.delete(id);
      }
    }
    if (!this.client.mediaRole || document.visibilityState === 'visible') return;
    for (const call of ringing) if (!this.shown.has(call.id)) this.notify(call);
  }

  private notify(call: CallRecord): void {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const n = new Notification(`Incoming call: ${who(call)}`, {
      body: call.contact?.company ?? call.remote.number,
      tag: `call-${call.id}`,
      requireInteraction: true,
    });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    this.shown.set(call.id, n);
  }
}
