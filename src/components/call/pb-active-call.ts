import { html, css, unsafeCSS } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CallRecord } from '../../shared/api.ts';
import { duration, who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { keypad, keypadStyles } from '../keys.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/**
 * @summary One call in progress: timer, hang up, hold, mute, keypad (DTMF) and blind transfer.
 */
@customElement('pb-active-call')
export class PbActiveCall extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  /** The live call. */
  @property({ attribute: false }) call!: CallRecord;
  @state() private showKeypad = false;
  @state() private showTransfer = false;
  /** Ticks every second, to render the timer again. */
  @state() private now = performance.now();
  /** This tab's monotonic time of the call's start or answer, noted when first seen (see `since`). */
  private readonly anchors = new Map<number, number>();
  @state() private sent = '';
  private timer?: ReturnType<typeof setInterval>;

  static override styles = [
    theme,
    unsafeCSS(keypadStyles),
    css`
      .card { display: grid; gap: 10px; }
      .head { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; }
      .name { font-size: 1.2em; font-weight: 700; margin: 0; overflow-wrap: anywhere; }
      .timer { font-variant-numeric: tabular-nums; font-size: 1.1em; }
      .controls { display: grid; grid-template-columns: repeat(auto-fit, minmax(88px, 1fr)); gap: 8px; }
      .sub { margin: 0; font-size: 0.9em; }
      form { display: flex; gap: 8px; }
      .sent { font-family: ui-monospace, monospace; min-height: 1.2em; margin: 0; }
      [data-media='connected'] { color: var(--pb-good); }
      [data-media='failed'] { color: var(--pb-bad); }
      .lost { color: var(--pb-warn); font-weight: 600; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = setInterval(() => (this.now = performance.now()), 1000);
    this.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
    this.removeEventListener('keydown', this.onKey);
  }

  private readonly onKey = (e: KeyboardEvent) => {
    if (this.showKeypad && /^[0-9*#]$/.test(e.key) && !(e.composedPath()[0] instanceof HTMLInputElement)) {
      void this.dtmf(e.key);
    }
  };

  private async dtmf(key: string) {
    this.sent += key;
    await this.run(() => this.client!.api.sendDtmf(this.call.id, key));
  }

  private async transfer(e: SubmitEvent) {
    e.preventDefault();
    const target = String(new FormData(e.target as HTMLFormElement).get('target') ?? '').trim();
    if (target) await this.run(() => this.client!.api.transfer(this.call.id, target));
  }

  /**
   * Seconds since the wall-clock time `at`, counted on the monotonic clock once `at` is first seen:
   * a wall clock set back or forward mid-call does not make the timer jump.
   */
  private since(at: number): number {
    let anchor = this.anchors.get(at);
    if (anchor === undefined) {
      anchor = this.now - Math.max(0, Date.now() - at);
      this.anchors.set(at, anchor);
    }
    return Math.max(0, this.now - anchor) / 1000;
  }

  override render() {
    const c = this.call;
    const api = this.client!.api;
    const connected = c.state === 'active' || c.state === 'held';
    const held = c.state === 'held';
    const elapsed = this.since(c.answeredAt ?? c.startedAt);
    const phase = c.state === 'dialing' ? t.call.calling : held ? t.call.onHold : t.call.inCall;
    const media = t.call.media[c.media];
    return html`<section class="card" aria-label=${t.call.callWith(who(c))}>
      <div class="head">
        <div>
          <p class="name">${who(c)}</p>
          ${c.remote.number !== who(c) ? html`<p class="sub muted">${c.remote.number}</p>` : ''}
          <p class="sub muted">${phase}${c.muted ? ` · ${t.call.muted}` : ''}
            ${this.client?.status.demo
              ? html`<span> · ${t.call.demoNoAudio}</span>`
              : html`<span data-media=${c.media}>${media ? ` · ${media}` : ''}</span>`}
            ${c.events.some((e) => e.type === 'media-handover') ? html`<span> · ${t.call.audioMoved}</span>` : ''}
            ${connectionLost(c) ? html` · <span class="lost" role="alert">${t.call.connectionLost}</span>` : ''}</p>
        </div>
        <span class="timer" role="timer" aria-label=${t.call.duration}>${duration(elapsed)}</span>
      </div>
      <div class="controls">
        <button class="bad" @click=${() => this.run(() => api.hangUp(c.id))}>${t.call.hangUp}</button>
        ${connected
          ? html`
              <button @click=${() => this.run(() => (held ? api.resume(c.id) : api.hold(c.id)))}>${held ? t.call.resume : t.call.hold}</button>
              <button aria-pressed=${c.muted ? 'true' : 'false'} @click=${() => this.run(() => api.setMuted(c.id, !c.muted))}>${c.muted ? t.call.unmute : t.call.mute}</button>
              <button aria-expanded=${this.showKeypad ? 'true' : 'false'} @click=${() => (this.showKeypad = !this.showKeypad)}>${t.call.keypad}</button>
              <button aria-expanded=${this.showTransfer ? 'true' : 'false'} @click=${() => (this.showTransfer = !this.showTransfer)}>${t.call.transfer}</button>
            `
          : ''}
      </div>
      ${this.showTransfer && connected
        ? html`<form @submit=${this.transfer}>
            <label class="visually-hidden" for="target">${t.call.transferTo}</label>
            <input id="target" name="target" inputmode="tel" placeholder=${t.call.transferToNumber} />
            <button class="primary" type="submit">${t.call.transferNow}</button>
          </form>`
        : ''}
      ${this.showKeypad && connected
        ? html`<p class="sent" aria-live="polite" aria-label=${t.call.tonesSent}>${this.sent}</p>${keypad((k) => void this.dtmf(k))}`
        : ''}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-active-call': PbActiveCall;
  }
}

/** Whether the call's latest word about the connection to the server is that it was lost. */
function connectionLost(c: CallRecord): boolean {
  const said = c.events.filter((e) => e.type === 'connection-lost' || e.type === 'reconnected');
  return said[said.length - 1]?.type === 'connection-lost';
}
