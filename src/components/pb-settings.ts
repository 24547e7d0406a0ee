import { html, css } from 'lit';
import { customElement } from 'lit/decorators.js';
import { HubElement } from './hub-element.ts';
import { theme } from './theme.ts';

/**
 * @summary The hub's settings, shared by every tab: ringtone and the country for local numbers.
 */
@customElement('pb-settings')
export class PbSettings extends HubElement {
  static override styles = [
    theme,
    css`
      details { padding: 10px 14px; }
      summary { cursor: pointer; font-weight: 600; }
      .body { display: grid; gap: 10px; margin-top: 10px; }
      label { display: flex; gap: 8px; align-items: center; }
      label.field { display: grid; gap: 4px; }
      input[type='checkbox'] { width: auto; min-height: 0; }
      .country { max-width: 6em; text-transform: uppercase; }
    `,
  ];

  override render() {
    const s = this.client?.status.settings;
    if (!s) return html``;
    const api = this.client!.api;
    return html`<details class="card">
      <summary>Settings</summary>
      <div class="body">
        <label><input type="checkbox" .checked=${s.ringtone}
          @change=${(e: Event) => this.run(() => api.updateSettings({ ringtone: (e.target as HTMLInputElement).checked }))} />
          Ringtone</label>
        <label class="field">Country for local numbers
          <input class="country" maxlength="2" placeholder="GB" .value=${s.defaultCountry ?? ''}
            @change=${(e: Event) => this.run(() => api.updateSettings({ defaultCountry: (e.target as HTMLInputElement).value.trim() }))} />
        </label>
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-settings': PbSettings;
  }
}
