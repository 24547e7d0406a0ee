import { html, css, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { ContactInput, StoredContact, SuggestedContact } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** The panel reads a contacts file only up to this size (the hub refuses more). */
const MAX_FILE = 64 * 1024 * 1024;
const PHONE_TYPES = ['mobile', 'work', 'home', 'main', 'fax', 'other'] as const;
const PAGE = 50;

/** The form's fields, as typed. */
interface Draft {
  id?: string;
  name: string;
  company: string;
  title: string;
  email: string;
  phones: { number: string; type: string }[];
  favourite?: boolean;
}

/** A phone's type in words ("mobile"); a label the catalogue does not know is shown as given. */
function typeName(type: string): string {
  const names: Record<string, string> = t.contacts.phoneTypes;
  return names[type] ?? type;
}

const emptyDraft = (): Draft => ({ name: '', company: '', title: '', email: '', phones: [{ number: '', type: 'mobile' }] });

/**
 * @summary The address book: import (vCard, CSV) and export, search, add, edit, delete, favourites, and
 * the contacts apps found on calls, offered to save.
 */
@customElement('pb-contacts')
export class PbContacts extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  @state() private query = '';
  @state() private page: { contacts: StoredContact[]; total: number } = { contacts: [], total: 0 };
  @state() private suggested: SuggestedContact[] = [];
  @state() private draft: Draft | undefined;
  @state() private message = '';
  @state() private busy = false;
  private opened = false;
  private seen = -1;

  static override styles = [
    theme,
    css`
      .body { display: grid; gap: 10px; margin-top: 10px; }
      .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      ul.list { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
      ul.list > li { border: 1px solid var(--pb-border); border-radius: 8px; padding: 8px; display: grid; gap: 4px; }
      .name { font-weight: 600; overflow-wrap: anywhere; }
      .numbers { font-size: 0.9em; }
      .actions { display: flex; gap: 6px; flex-wrap: wrap; }
      .actions button { min-height: 34px; padding: 0.3em 0.7em; }
      form { display: grid; gap: 8px; border: 1px solid var(--pb-border); border-radius: 8px; padding: 10px; }
      label { display: grid; gap: 4px; }
      select { font: inherit; color: var(--pb-text); background: var(--pb-surface); border: 1px solid var(--pb-border);
               border-radius: 8px; padding: 0.45em 0.6em; min-height: 40px; }
      .phone { display: grid; grid-template-columns: 1fr auto; gap: 6px; align-items: end; }
      h3 { font-size: 1em; margin: 4px 0 0; }
    `,
  ];

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    // The list follows the book (an import here, an edit in another tab).
    const count = this.client?.status.contacts ?? -1;
    if (this.opened && count !== this.seen) {
      this.seen = count;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    const api = this.client?.api;
    if (!api) return;
    const [page, suggested] = await Promise.all([
      api.listContacts({ query: this.query || undefined, limit: PAGE }),
      api.suggestedContacts().catch(() => [] as SuggestedContact[]),
    ]);
    this.page = page;
    this.suggested = suggested;
  }

  private async importFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    await this.run(async () => {
      if (file.size > MAX_FILE) throw new Error(t.contacts.tooBig(file.name, Math.round(file.size / 1e6)));
      this.busy = true;
      this.message = t.contacts.importing(file.name);
      try {
        const text = await file.text();
        const format = /\.csv$/i.test(file.name) || (!/\.vcf$/i.test(file.name) && !/BEGIN:VCARD/i.test(text.slice(0, 4096))) ? 'csv' : 'vcard';
        const { added, duplicates, skipped } = await this.client!.api.importContacts(text, format);
        const first = skipped[0];
        this.message = t.contacts.imported(added, file.name, duplicates, skipped.length,
          first && { csv: format === 'csv', at: first.index + 1, reason: first.reason });
      } catch (error) {
        this.message = '';
        throw error;
      } finally {
        this.busy = false;
      }
      await this.load();
    });
  }

  private async exportAs(format: 'vcard' | 'csv'): Promise<void> {
    await this.run(async () => {
      const text = await this.client!.api.exportContacts(format);
      const blob = new Blob([text], { type: format === 'vcard' ? 'text/vcard' : 'text/csv' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = format === 'vcard' ? 'patchbay-contacts.vcf' : 'patchbay-contacts.csv';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    });
  }

  private edit(c?: StoredContact, suggestion?: SuggestedContact): void {
    if (c) {
      this.draft = {
        id: c.id, name: c.name, company: c.company ?? '', title: c.title ?? '', email: c.emails[0] ?? '', favourite: c.favourite,
        phones: c.phones.length ? c.phones.map((p) => ({ number: p.number, type: p.type ?? 'other' })) : emptyDraft().phones,
      };
    } else if (suggestion) {
      this.draft = { ...emptyDraft(), name: suggestion.name, company: suggestion.company ?? '', email: suggestion.email ?? '', phones: [{ number: suggestion.number, type: 'work' }] };
    } else {
      this.draft = emptyDraft();
    }
  }

  private async save(e: Event): Promise<void> {
    e.preventDefault();
    const d = this.draft!;
    const contact: ContactInput = {
      name: d.name.trim(),
      ...(d.company.trim() ? { company: d.company.trim() } : {}),
      ...(d.title.trim() ? { title: d.title.trim() } : {}),
      emails: d.email.trim() ? [d.email.trim()] : [],
      phones: d.phones.filter((p) => p.number.trim()).map((p) => ({ number: p.number.trim(), type: p.type })),
      ...(d.favourite ? { favourite: true } : {}),
      source: 'user',
    };
    await this.run(async () => {
      await this.client!.api.saveContact(contact, d.id);
      this.message = t.contacts.saved(contact.name);
      this.draft = undefined;
      await this.load();
    });
  }

  private renderForm(d: Draft) {
    const set = (patch: Partial<Draft>) => (this.draft = { ...d, ...patch });
    return html`<form aria-label=${d.id ? t.contacts.editContact : t.contacts.newContact} @submit=${this.save}>
      <label>${t.fields.name} <input required maxlength="200" autocomplete="off" .value=${d.name} @input=${(e: Event) => set({ name: (e.target as HTMLInputElement).value })} /></label>
      <label>${t.fields.company} <input maxlength="200" autocomplete="off" .value=${d.company} @input=${(e: Event) => set({ company: (e.target as HTMLInputElement).value })} /></label>
      <label>${t.fields.title} <input maxlength="200" autocomplete="off" .value=${d.title} @input=${(e: Event) => set({ title: (e.target as HTMLInputElement).value })} /></label>
      <label>${t.fields.email} <input type="email" maxlength="254" autocomplete="off" .value=${d.email} @input=${(e: Event) => set({ email: (e.target as HTMLInputElement).value })} /></label>
      ${d.phones.map((p, i) => html`<div class="phone">
        <label>${t.contacts.phone(i + 1)} <input inputmode="tel" maxlength="64" autocomplete="off" .value=${p.number}
          @input=${(e: Event) => set({ phones: d.phones.map((q, j) => (j === i ? { ...q, number: (e.target as HTMLInputElement).value } : q)) })} /></label>
        <label>${t.contacts.type} <select @change=${(e: Event) => set({ phones: d.phones.map((q, j) => (j === i ? { ...q, type: (e.target as HTMLSelectElement).value } : q)) })}>
          ${[...new Set([...PHONE_TYPES, p.type])].map((type) => html`<option value=${type} ?selected=${type === p.type}>${typeName(type)}</option>`)}
        </select></label>
      </div>`)}
      <div class="actions">
        ${d.phones.length < 20 ? html`<button type="button" @click=${() => set({ phones: [...d.phones, { number: '', type: 'mobile' }] })}>${t.contacts.addNumber}</button>` : nothing}
        <button class="primary" type="submit">${t.contacts.save}</button>
        <button type="button" @click=${() => (this.draft = undefined)}>${t.contacts.cancel}</button>
      </div>
    </form>`;
  }

  private renderContact(c: StoredContact) {
    const api = this.client!.api;
    const registered = this.client?.status.state === 'registered';
    return html`<li>
      <span class="name">${c.name}${c.company ? html` <span class="muted">· ${c.company}</span>` : nothing}</span>
      ${c.phones.length ? html`<span class="numbers">${c.phones.map((p) => (p.type ? t.contacts.numberOfType(p.number, typeName(p.type)) : p.number)).join(', ')}</span>` : nothing}
      <span class="actions">
        ${c.phones[0] ? html`<button ?disabled=${!registered} aria-label=${t.contacts.callName(c.name)} @click=${() => this.run(() => api.dial(c.phones[0]!.number))}>${t.contacts.call}</button>` : nothing}
        <button aria-pressed=${c.favourite ? 'true' : 'false'} aria-label=${t.contacts.favouriteName(c.name)}
          @click=${() => this.run(async () => (await api.setFavourite(c.id, !c.favourite), await this.load()))}>${t.contacts.favourite}</button>
        <button aria-label=${t.contacts.editName(c.name)} @click=${() => this.edit(c)}>${t.contacts.edit}</button>
        <button aria-label=${t.contacts.deleteName(c.name)} @click=${() => this.run(async () => {
          if (!confirm(t.contacts.confirmDelete(c.name))) return;
          await api.deleteContacts([c.id]);
          await this.load();
        })}>${t.contacts.delete}</button>
      </span>
    </li>`;
  }

  override render() {
    const count = this.client?.status.contacts ?? 0;
    return html`<details class="card" @toggle=${(e: Event) => {
      this.opened = (e.target as HTMLDetailsElement).open;
      if (this.opened) void this.load();
    }}>
      <summary>${t.contacts.title(count)}</summary>
      <div class="body">
        <div class="row">
          <label>${t.contacts.import}
            <input type="file" accept=".vcf,.csv,text/vcard,text/csv" ?disabled=${this.busy} @change=${this.importFile} /></label>
        </div>
        <div class="row">
          <button @click=${() => this.exportAs('vcard')} ?disabled=${!count}>${t.contacts.exportVcard}</button>
          <button @click=${() => this.exportAs('csv')} ?disabled=${!count}>${t.contacts.exportCsv}</button>
          <button @click=${() => this.edit()}>${t.contacts.newContact}</button>
        </div>
        <p class="muted" role="status">${this.message}</p>
        ${this.draft ? this.renderForm(this.draft) : nothing}
        <label>${t.contacts.search}
          <input type="search" autocomplete="off" .value=${this.query}
            @input=${(e: Event) => {
              this.query = (e.target as HTMLInputElement).value;
              void this.load();
            }} /></label>
        ${this.page.contacts.length
          ? html`<ul class="list" aria-label=${t.contacts.list}>${this.page.contacts.map((c) => this.renderContact(c))}</ul>
            ${this.page.total > this.page.contacts.length ? html`<p class="muted">${t.contacts.shownOf(this.page.contacts.length, this.page.total)}</p>` : nothing}`
          : html`<p class="muted">${this.query ? t.contacts.noMatch : t.contacts.none}</p>`}
        ${this.suggested.length
          ? html`<h3>${t.contacts.suggested}</h3>
            <ul class="list" aria-label=${t.contacts.suggestedList}>
              ${this.suggested.map((s) => html`<li>
                <span class="name">${s.name}${s.company ? html` <span class="muted">· ${s.company}</span>` : nothing}</span>
                <span class="numbers">${s.number}</span>
                <span class="actions"><button aria-label=${t.contacts.saveName(s.name)} @click=${() => this.edit(undefined, s)}>${t.contacts.saveSuggested}</button></span>
              </li>`)}
            </ul>`
          : nothing}
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-contacts': PbContacts;
  }
}
