import { html } from 'lit';
import { t } from './strings.ts';

export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['1', ''], ['2', 'ABC'], ['3', 'DEF'], ['4', 'GHI'], ['5', 'JKL'], ['6', 'MNO'],
  ['7', 'PQRS'], ['8', 'TUV'], ['9', 'WXYZ'], ['*', ''], ['0', '+'], ['#', ''],
];

/** A 3×4 phone keypad; each button's accessible name is its digit. */
export function keypad(press: (key: string) => void) {
  return html`<div class="keys" role="group" aria-label=${t.call.keypadLabel}>
    ${KEYS.map(
      ([key, letters]) => html`<button type="button" class="key" @click=${() => press(key)}>
        <span class="digit">${key}</span><span class="letters" aria-hidden="true">${letters}</span>
      </button>`,
    )}
  </div>`;
}

export const keypadStyles = `
  .keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
  .key { display: grid; justify-items: center; padding: 6px 0; min-height: 52px; }
  .digit { font-size: 1.3em; font-weight: 600; line-height: 1.1; }
  .letters { font-size: 0.65em; letter-spacing: 0.1em; color: var(--pb-muted); min-height: 1em; }
`;
