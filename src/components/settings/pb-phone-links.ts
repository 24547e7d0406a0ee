import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** The address phone links open: this site's own page, with the link in `?tel=` (see tel.ts). */
export function telHandlerUrl(): string {
  return `${new URL('./', document.baseURI).href}?tel=%s`;
}

/**
 * @summary "Open phone links with Patchbay": makes this site the browser's `tel:` handler, so a
 * phone link anywhere opens the dialpad with the number ready to call.
 */
@customElement('pb-phone-links')
export class PbPhoneLinks extends HubElement {
  protected static override slices: readonly Slice[] = [];
  @state() private asked = false;

  static override styles = [
    theme,
    css`
      :host { display: grid; gap: 6px; justify-items: start; }
      p { margin: 0; font-size: 0.9em; }
    `,
  ];

  private register() {
    void this.run(async () => {
      navigator.registerProtocolHandler('tel', telHandlerUrl());
      this.asked = true;
    });
  }

  override render() {
    if (typeof navigator.registerProtocolHandler !== 'function') {
      return html`<p class="muted">${t.settings.noPhoneLinks}</p>`;
    }
    return html`<button type="button" @click=${this.register}>${t.settings.openPhoneLinks}</button>
      ${this.asked ? html`<p class="muted">${t.settings.phoneLinksAsked}</p>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-phone-links': PbPhoneLinks;
  }
}
