import { LitElement, html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { askForStorageAccess } from '../embedding.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/**
 * @summary Shown in a frame of another site where the browser can give it this site's own storage:
 * says the frame's phone is separate, and "Use this browser's phone" asks the browser (a click is the
 * user gesture it needs) to join the hub the site's own tabs use (embedding.ts).
 */
@customElement('pb-storage-access')
export class PbStorageAccess extends LitElement {
  @state() private refused = '';

  static override styles = [
    theme,
    css`
      :host { display: grid; gap: 6px; justify-items: start; padding: 8px 12px; }
      p { margin: 0; font-size: 0.9em; }
    `,
  ];

  private ask() {
    this.refused = '';
    askForStorageAccess().catch((error: unknown) => {
      this.refused = t.settings.storageAccessRefused(error instanceof Error ? error.message : String(error));
    });
  }

  override render() {
    return html`<p class="muted">${t.settings.embeddedApart}</p>
      <button type="button" @click=${this.ask}>${t.settings.useBrowsersPhone}</button>
      ${this.refused ? html`<p role="alert">${this.refused}</p>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-storage-access': PbStorageAccess;
  }
}
