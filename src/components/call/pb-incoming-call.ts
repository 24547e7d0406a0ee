import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CallRecord } from '../../shared/api.ts';
import { who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/**
 * @summary The screen pop of a ringing call, in every tab: answer, decline or send to voicemail.
 */
@customElement('pb-incoming-call')
export class PbIncomingCall extends HubElement {
  /**
   * None: the panel hands each card its call and whether another is live, so a change to some other
   * call does not render every card (dozens ring at once on a busy line).
   */
  protected static override slices: readonly Slice[] = [];
  /** The ringing call. */
  @property({ attribute: false }) call!: CallRecord;
  /** Another call is live (in progress or ringing): this one is waiting. */
  @property({ type: Boolean }) waiting = false;

  static override styles = [
    theme,
    css`
      .card { border: 2px solid var(--pb-accent); display: grid; gap: 10px; }
      .name { font-size: 1.25em; font-weight: 700; margin: 0; overflow-wrap: anywhere; }
      .number { margin: 0; overflow-wrap: anywhere; }
      .row { display: flex; gap: 8px; flex-wrap: wrap; }
      .row button { flex: 1 1 auto; }
      .label { text-transform: uppercase; font-size: 0.75em; letter-spacing: 0.08em; margin: 0; }
    `,
  ];

  override render() {
    const c = this.call;
    const name = who(c);
    const id = `incoming-${c.id}`;
    return html`<section class="card" role="alertdialog" aria-label=${t.call.incoming} aria-describedby=${id}>
      <p class="label muted">${this.waiting ? t.call.incomingWaiting : t.call.incoming}</p>
      <div id=${id}>
        <p class="name">${name}</p>
        ${c.remote.number && c.remote.number !== name ? html`<p class="number muted">${c.remote.number}</p>` : ''}
        ${c.contact?.company ? html`<p class="number muted">${c.contact.company}</p>` : ''}
      </div>
      <div class="row">
        <button class="good" @click=${() => this.run(() => this.client!.api.answer(c.id))}>${t.call.answer}</button>
        <button class="bad" @click=${() => this.run(() => this.client!.api.decline(c.id))}>${t.call.decline}</button>
        <button @click=${() => this.run(() => this.client!.api.sendToVoicemail(c.id))}>${t.call.sendToVoicemail}</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-incoming-call': PbIncomingCall;
  }
}
