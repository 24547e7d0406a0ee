import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { HubStatus } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** "Registered as 1001", "Connecting… next try in 4 s", "Offline", "Failed: 403 Forbidden". */
export function statusText(s: HubStatus, now = Date.now()): string {
  switch (s.state) {
    case 'registered':
      return t.status.registered(s.aor?.replace(/^sip:/, ''));
    case 'connecting': {
      const wait = s.nextRetryAt ? Math.max(0, Math.ceil((s.nextRetryAt - now) / 1000)) : 0;
      return t.status.connecting(wait, s.reason);
    }
    case 'offline':
      return t.status.offline(s.reason);
    case 'failed':
      return t.status.failed(s.reason);
    default:
      return t.status.signedOut;
  }
}

/**
 * @summary The registration status, announced politely to screen readers.
 */
@customElement('pb-status')
export class PbStatus extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  @state() private tick = 0;
  private timer?: ReturnType<typeof setInterval>;

  static override styles = [
    theme,
    css`
      :host { display: block; }
      .pill { display: inline-flex; align-items: center; gap: 6px; font-size: 0.9em; }
      .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--pb-muted); flex: none; }
      [data-state='registered'] .dot { background: var(--pb-good); }
      [data-state='connecting'] .dot, [data-state='offline'] .dot { background: var(--pb-warn); }
      [data-state='failed'] .dot { background: var(--pb-bad); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = setInterval(() => {
      if (this.client?.status.nextRetryAt) this.tick++;
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
  }

  override render() {
    const s = this.client?.status;
    if (!s) return html``;
    return html`<div class="pill" data-state=${s.state} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true"></span><span>${statusText(s)}</span>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-status': PbStatus;
  }
}
