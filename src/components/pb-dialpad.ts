import { html, css, unsafeCSS } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { HubElement } from './hub-element.ts';
import { keypad, keypadStyles } from './keys.ts';
import { theme } from './theme.ts';

/**
 * @summary A dialpad: type or click a number, press Enter or "Call".
 */
@customElement('pb-dialpad')
export class PbDialpad extends HubElement {
  @state() private number = '';
  @query('input') private input!: HTMLInputElement;

  static override styles = [
    theme,
    unsafeCSS(keypadStyles),
    css`
      form { display: grid; gap: 10px; }
      .call { width: 100%; }
    `,
  ];

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
    });
  }

  override render() {
    const registered = this.client?.status.state === 'registered';
    return html`<form class="card" @submit=${this.call}>
      <label class="visually-hidden" for="number">Number</label>
      <input id="number" name="number" inputmode="tel" autocomplete="tel" placeholder="Number or name@domain"
        .value=${this.number} @input=${(e: InputEvent) => (this.number = (e.target as HTMLInputElement).value)} />
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
