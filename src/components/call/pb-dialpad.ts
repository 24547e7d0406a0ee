import { html, css, unsafeCSS } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { keypad, keypadStyles } from '../keys.ts';
import { takeTelLink } from './tel.ts';
import { theme } from '../theme.ts';

/**
 * @summary A dialpad: type or click a number, press Enter or "Call".
 */
@customElement('pb-dialpad')
export class PbDialpad extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  @state() private number = '';
  /** The `;ext=` of a phone link, to dial on the keypad once answered. */
  @state() private extension = '';
  @query('input') private input!: HTMLInputElement;

  static override styles = [
    theme,
    unsafeCSS(keypadStyles),
    css`
      form { display: grid; gap: 10px; }
      .call { width: 100%; }
      .hint { margin: 0; font-size: 0.9em; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    // Opened from a phone link (`?tel=`): the number is ready to call; a bad link says why.
    void this.run(async () => {
      const link = takeTelLink();
      if (!link) return;
      this.number = link.number;
      this.extension = link.extension ?? '';
    });
  }

  /** Pre-fills the number (e.g. from a tel: link). */
  setNumber(value: string): void {
    this.number = value;
  }

  private press(key: string) {
    this.number += key;
    this.input.focus();
  }

  private async call(event: Event) {
    event.preventDefault();
    const target = this.number.trim();
    if (!target) return;
    await this.run(async () => {
      await this.client!.api.dial(target);
      this.number = '';
      this.extension = '';
    });
  }

  override render() {
    const registered = this.client?.status.state === 'registered';
    return html`<form class="card" @submit=${this.call}>
      <label class="visually-hidden" for="number">Number</label>
      <input id="number" name="number" inputmode="tel" autocomplete="tel" placeholder="Number or name@domain"
        .value=${this.number} @input=${(e: InputEvent) => (this.number = (e.target as HTMLInputElement).value)} />
      ${this.extension ? html`<p class="hint muted">Extension ${this.extension}: press it on the keypad once answered.</p>` : ''}
      ${keypad((k) => this.press(k))}
      <button class="good call" type="submit" ?disabled=${!registered || !this.number.trim()}>Call</button>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-dialpad': PbDialpad;
  }
}
