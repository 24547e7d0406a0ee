import { html, css, nothing, unsafeCSS } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import type { ContactMatch, StoredContact } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { keypad, keypadStyles } from '../keys.ts';
import { who } from '../format.ts';
import { takeTelLink } from './tel.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** One option of the Number field's list: a contact's number, or a recent caller. */
interface Option {
  key: string;
  label: string;
  detail: string;
  number: string;
}

/** A phone's type in words ("mobile"); a label the catalogue does not know is shown as given. */
function typeName(type: string): string {
  const names: Record<string, string> = t.contacts.phoneTypes;
  return names[type] ?? type;
}

/**
 * @summary Dial by name or number: the Number field is a combobox (ARIA's pattern) listing the contacts
 * and recent callers that match what is typed (a name, a company, any part of a number); arrow keys and
 * Enter pick one, Enter or "Call" dials. Favourites sit above the keypad.
 */
@customElement('pb-dialpad')
export class PbDialpad extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  @state() private number = '';
  /** The `;ext=` of a phone link, to dial on the keypad once answered. */
  @state() private extension = '';
  @state() private options: Option[] = [];
  @state() private active = -1;
  @state() private open = false;
  /** The contact or caller picked from the list, while the field still holds their number. */
  @state() private picked: Option | undefined;
  @state() private favourites: StoredContact[] = [];
  @query('input') private input!: HTMLInputElement;
  /** Answers to older keystrokes are dropped: only the latest query's options show. */
  private asked = 0;
  private contactsSeen = -1;

  static override styles = [
    theme,
    unsafeCSS(keypadStyles),
    css`
      form { display: grid; gap: 10px; }
      .call { width: 100%; }
      .hint { margin: 0; font-size: 0.9em; }
      .field { position: relative; }
      [role='listbox'] { position: absolute; z-index: 2; left: 0; right: 0; top: calc(100% + 2px); margin: 0; padding: 4px;
        list-style: none; background: var(--pb-surface); border: 1px solid var(--pb-border); border-radius: 8px;
        box-shadow: 0 6px 18px rgb(0 0 0 / 0.18); max-height: 18em; overflow: auto; }
      [role='option'] { padding: 6px 8px; border-radius: 6px; cursor: pointer; display: grid; }
      [role='option'][aria-selected='true'] { background: var(--pb-accent); color: var(--pb-accent-text); }
      [role='option'] .detail { font-size: 0.85em; color: var(--pb-muted); }
      [role='option'][aria-selected='true'] .detail { color: inherit; }
      .favourites { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; list-style: none; }
      .favourites button { min-height: 34px; padding: 0.3em 0.7em; }
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

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    // The favourites follow the address book.
    const count = this.client?.status.contacts ?? -1;
    if (this.client && count !== this.contactsSeen) {
      this.contactsSeen = count;
      void this.client.api.favouriteContacts().then((f) => (this.favourites = f), () => undefined);
    }
  }

  /** Puts the cursor in the Number field (the "/" shortcut). */
  focusNumber(): void {
    this.input?.focus();
  }

  /** Pre-fills the number (e.g. from a tel: link). */
  setNumber(value: string): void {
    this.number = value;
  }

  private press(key: string) {
    this.number += key;
    this.picked = undefined;
    this.input.focus();
  }

  private async call(event: Event) {
    event.preventDefault();
    const target = this.number.trim();
    if (!target) return;
    await this.dial(target);
  }

  private async dial(target: string) {
    await this.run(async () => {
      await this.client!.api.dial(target);
      this.number = '';
      this.extension = '';
      this.picked = undefined;
      this.close();
    });
  }

  private async typed(value: string) {
    this.number = value;
    this.picked = undefined;
    const q = value.trim();
    const ask = ++this.asked;
    if (!q || (!/\p{L}/u.test(q) && q.replace(/\D/g, '').length < 2)) {
      this.close();
      return;
    }
    const contacts = await this.client!.api.searchContacts(q, 8).catch(() => [] as ContactMatch[]);
    if (ask !== this.asked) return;
    this.options = [...contacts.map(contactOption), ...this.recentOptions(q, contacts)].slice(0, 10);
    this.active = -1;
    this.open = this.options.length > 0;
  }

  /** Recent callers matching the text whose number no contact option already offers. */
  private recentOptions(q: string, contacts: ContactMatch[]): Option[] {
    const text = q.toLocaleLowerCase();
    const digits = /\p{L}/u.test(q) ? '' : q.replace(/\D/g, '');
    const offered = new Set(contacts.map((c) => c.number));
    const out: Option[] = [];
    for (const c of this.client?.recentCalls ?? []) {
      const number = c.remote.number;
      if (!number || offered.has(number)) continue;
      const name = who(c);
      const hit = name.toLocaleLowerCase().includes(text) || (digits.length >= 2 && number.replace(/\D/g, '').includes(digits));
      if (!hit) continue;
      offered.add(number);
      out.push({ key: `recent-${c.id}`, label: name, detail: name === number ? t.call.recentCall : t.call.recentCallOf(number), number });
      if (out.length >= 3) break;
    }
    return out;
  }

  private close() {
    this.open = false;
    this.active = -1;
  }

  private pick(option: Option) {
    this.number = option.number;
    this.picked = option;
    this.close();
    this.input.focus();
  }

  private onKey(e: KeyboardEvent) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.options.length) return;
      e.preventDefault();
      this.open = true;
      const n = this.options.length;
      this.active = e.key === 'ArrowDown' ? (this.active + 1) % n : (this.active <= 0 ? n - 1 : this.active - 1);
      this.renderRoot.querySelector(`#option-${this.active}`)?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' && this.open && this.active >= 0) {
      // Enter on an option picks it; Enter again calls.
      e.preventDefault();
      this.pick(this.options[this.active]!);
    } else if (e.key === 'Escape' && this.open) {
      e.preventDefault();
      this.close();
    }
  }

  override render() {
    const registered = this.client?.status.state === 'registered';
    const expanded = this.open && this.options.length > 0;
    return html`<form class="card" @submit=${this.call}>
      ${this.favourites.length
        ? html`<ul class="favourites" aria-label=${t.call.favourites}>
            ${this.favourites.map((f) => html`<li><button type="button" ?disabled=${!registered || !f.phones[0]}
              aria-label=${t.call.callName(f.name)} @click=${() => this.dial(f.phones[0]!.number)}>${f.name}</button></li>`)}
          </ul>`
        : nothing}
      <div class="field">
        <input id="number" name="number" inputmode="tel" autocomplete="off" placeholder=${t.call.numberPlaceholder}
          aria-label=${t.call.numberLabel} role="combobox" aria-autocomplete="list" aria-expanded=${expanded ? 'true' : 'false'} aria-controls="number-options"
          aria-activedescendant=${expanded && this.active >= 0 ? `option-${this.active}` : nothing}
          .value=${this.number}
          @input=${(e: InputEvent) => void this.typed((e.target as HTMLInputElement).value)}
          @keydown=${this.onKey}
          @blur=${() => setTimeout(() => this.close(), 150)} />
        <ul id="number-options" role="listbox" aria-label=${t.call.matches} ?hidden=${!expanded}>
          <!-- The keyboard works on the field (aria-activedescendant): arrow keys, Enter, Escape. -->
          ${expanded
            ? this.options.map((o, i) => html`<li id=${`option-${i}`} role="option" aria-selected=${i === this.active ? 'true' : 'false'}
                @mousedown=${(e: Event) => e.preventDefault()} @click=${() => this.pick(o)} @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.pick(o)}>
                <span>${o.label}</span><span class="detail">${o.detail}</span></li>`)
            : nothing}
        </ul>
      </div>
      ${this.picked ? html`<p class="hint muted" role="status">${this.picked.label}: ${this.picked.detail}</p>` : nothing}
      ${this.extension ? html`<p class="hint muted">${t.call.extensionHint(this.extension)}</p>` : ''}
      ${keypad((k) => this.press(k))}
      <button class="good call" type="submit" ?disabled=${!registered || !this.number.trim()}>${t.call.call}</button>
    </form>`;
  }
}

function contactOption(m: ContactMatch): Option {
  const type = m.type ? typeName(m.type) : '';
  return {
    key: `${m.contactId}-${m.number}`,
    label: m.company ? t.call.nameAtCompany(m.name, m.company) : m.name,
    detail: [m.number, type].filter(Boolean).join(' · '),
    number: m.number,
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-dialpad': PbDialpad;
  }
}
