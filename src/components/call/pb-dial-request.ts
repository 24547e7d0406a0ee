import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { DialRequest } from '../../shared/api.ts';
import { who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/**
 * @summary An app asks to place a call: "CRM wants to call +1 555 0100", with Call and Cancel. Nothing
 * is dialled, and no live call is put on hold, until the user presses Call (in any tab).
 */
@customElement('pb-dial-request')
export class PbDialRequest extends HubElement {
  protected static override slices: readonly Slice[] = ['calls'];
  @property({ attribute: false }) request!: DialRequest;

  static override styles = [
    theme,
    css`
      .card { border: 2px solid var(--pb-accent); display: grid; gap: 10px; }
      .what { font-size: 1.1em; font-weight: 600; margin: 0; overflow-wrap: anywhere; }
      .row { display: flex; gap: 8px; flex-wrap: wrap; }
      .row button { flex: 1 1 auto; }
      p { margin: 0; }
    `,
  ];

  override render() {
    const r = this.request;
    const live = this.client?.liveCalls ?? [];
    const id = `dial-request-${r.id}`;
    return html`<section class="card" role="alertdialog" aria-label=${t.call.appWantsToPlaceCall(r.appName)} aria-describedby=${id}>
      <div id=${id}>
        <p class="what">${t.call.appWantsToCall(r.appName, r.target)}</p>
        ${live.length
          ? html`<p class="muted">${t.call.willHold(who(live[0]!))}</p>`
          : html`<p class="muted">${t.call.nothingDialled}</p>`}
      </div>
      <div class="row">
        <button class="good" @click=${() => this.run(() => this.client!.api.decideDial(r.id, true))}>${t.call.callTarget(r.target)}</button>
        <button @click=${() => this.run(() => this.client!.api.decideDial(r.id, false))}>${t.call.cancel}</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-dial-request': PbDialRequest;
  }
}
