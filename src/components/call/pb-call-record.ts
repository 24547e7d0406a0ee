import { html, css, nothing, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { CallRecord, FieldPatch } from '../../shared/api.ts';
import { getPath } from '../../shared/paths.ts';
import { afterPaint } from '../after-paint.ts';
import { describe, logLines, time, who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** Shown as they are: what apps found that the user does not edit here (path, the field's name in `t.fields`). */
const READ_ONLY = [
  ['contact.title', 'title'],
  ['contact.address', 'address'],
] as const;

/** The wrap-up, as the second seed lists it: edited during and after the call, saved as the user's. */
const EDITABLE = [
  ['contact.name', 'name', 'name'],
  ['contact.company', 'company', 'organization'],
  ['contact.email', 'email', 'email'],
  ['subject', 'subject', 'off'],
  ['account', 'account', 'off'],
  ['opportunity', 'opportunity', 'off'],
  ['ticket', 'ticket', 'off'],
] as const;

/**
 * @summary The record of the call in focus (ringing, in progress, just ended, opened from the recent
 * calls, or a lookup): what apps found about the other party, who wrote each field, and the user's
 * notes and tags, saved as they are typed. Every app is told.
 */
@customElement('pb-call-record')
export class PbCallRecord extends HubElement {
  protected static override slices: readonly Slice[] = ['calls', 'status'];
  @state() private saving = '';
  /** Numbers saved as contacts from this card (the record keeps the app's provenance). */
  private readonly savedContacts = new Set<string>();
  private timer?: ReturnType<typeof setTimeout>;
  private pending: { id: string; fields: FieldPatch } | undefined;

  static override styles = [
    theme,
    css`
      section { display: grid; gap: 8px; }
      header { display: flex; justify-content: space-between; gap: 8px; align-items: start; }
      h2 { font-size: 1.1em; margin: 0; overflow-wrap: anywhere; }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
      dt { color: var(--pb-muted); }
      dd { margin: 0; overflow-wrap: anywhere; }
      .by { font-size: 0.8em; color: var(--pb-muted); margin-left: 2px; }
      label { display: grid; gap: 4px; }
      .fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(11em, 1fr)); gap: 8px; }
      textarea { font: inherit; color: var(--pb-text); background: var(--pb-surface); border: 1px solid var(--pb-border);
                 border-radius: 8px; padding: 0.5em 0.6em; min-height: 4.5em; resize: vertical; }
      textarea:focus-visible { outline: 3px solid var(--pb-accent); outline-offset: 1px; }
      .saved { font-size: 0.85em; min-height: 1.2em; }
      ul.apps { margin: 0; padding-left: 1.2em; font-size: 0.9em; }
      label.inline { display: flex; gap: 8px; align-items: center; }
      label.inline input { width: auto; min-height: 0; }
      ul.log { margin: 0; padding: 0; list-style: none; font-size: 0.85em; }
    `,
  ];

  /** The ringing call whose record may show: set once its screen pop has been painted. */
  private ringingShown: string | undefined;

  /**
   * A call that starts ringing shows its screen pop (pb-incoming-call) first; its record follows
   * once that is painted, so the two never share the frame that pops the call.
   */
  protected override shouldUpdate(changed: PropertyValues): boolean {
    const call = this.client?.focus;
    if (!call || call.state !== 'ringing' || call.id === this.ringingShown) return super.shouldUpdate(changed);
    const id = call.id;
    afterPaint(() => {
      this.ringingShown = id;
      this.requestUpdate();
    });
    return false;
  }

  /** "CRM", "you", "the PBX": who wrote a field. */
  private author(call: CallRecord, path: string) {
    const p = call.provenance[path];
    if (!p) return nothing;
    const name = p.by === 'user' ? t.calls.you : p.by === 'pbx' ? t.calls.thePbx : (this.client?.status.apps.find((a) => a.id === p.by)?.name ?? p.by);
    return html` <span class="by">${t.call.by(name)}</span>`;
  }

  private save(call: CallRecord, fields: FieldPatch) {
    this.pending = { id: call.id, fields: { ...(this.pending?.id === call.id ? this.pending.fields : {}), ...fields } };
    this.saving = t.call.saving;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), 400);
  }

  private async flush() {
    clearTimeout(this.timer);
    const job = this.pending;
    this.pending = undefined;
    if (!job) return;
    try {
      await this.client!.api.patchCall(job.id, job.fields);
      this.saving = t.call.saved;
    } catch (error) {
      this.saving = '';
      this.dispatchEvent(new CustomEvent('pb-error', { detail: (error as Error).message, bubbles: true, composed: true }));
    }
  }

  /** What a field shows: the user's unsaved typing first, else the record's value. */
  private shown(call: CallRecord, path: string): string {
    if (this.pending?.id === call.id && path in this.pending.fields) {
      const v = this.pending.fields[path];
      return Array.isArray(v) ? v.join(', ') : String(v ?? '');
    }
    const v = getPath(call, path);
    return Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : '';
  }

  /**
   * "Save as contact": a name the user or an app wrote for a number the address book does not know
   * (a name from the contacts has provenance `contacts`).
   */
  private offerContact(call: CallRecord) {
    const name = call.contact?.name;
    const number = call.remote.number;
    if (!name || !number || call.provenance['contact.name']?.by === 'contacts' || this.savedContacts.has(number)) return nothing;
    return html`<button @click=${() => this.run(async () => {
      await this.client!.api.saveContact({
        name, ...(call.contact?.company ? { company: call.contact.company } : {}), ...(call.contact?.title ? { title: call.contact.title } : {}),
        emails: call.contact?.email ? [call.contact.email] : [], phones: [{ number, type: 'work' }], source: 'user',
      });
      this.savedContacts.add(number);
      this.saving = t.call.savedToContacts(name);
    })}>${t.call.saveAsContact}</button>`;
  }

  /** Labels used on the calls this tab knows, for suggestions. */
  private knownLabels(): string[] {
    const seen = new Set<string>();
    for (const c of this.client?.calls.values() ?? []) for (const l of c.labels ?? []) seen.add(l);
    return [...seen].sort((a, b) => a.localeCompare(b)).slice(0, 50);
  }

  private tags(value: string): string[] {
    return value.split(',').map((tag) => tag.trim()).filter(Boolean);
  }

  override render() {
    const call = this.client?.focus;
    if (!call) return nothing;
    const lookup = call.kind === 'lookup';
    const appsAreas = Object.entries(call.apps ?? {});
    const live = call.state !== 'ended';
    // Ended, not final yet: the user may still file it, or keep it out of the log.
    const wrapping = !live && !lookup && call.finalAt === undefined;
    const logged = logLines(call);
    return html`<section class="card" aria-label=${t.call.record}>
      <header>
        <div>
          <h2>${who(call)}</h2>
          <div class="muted">
            ${lookup ? t.calls.lookup : describe(call)} · ${time(call.startedAt)}
            ${call.remote.number && call.remote.number !== who(call) ? html` · ${call.remote.number}` : nothing}
          </div>
        </div>
        ${live
          ? nothing
          : html`<button title=${wrapping ? t.call.doneWrapUpTitle : t.call.doneTitle}
              @click=${() => this.run(async () => {
                await this.flush();
                if (wrapping) await this.client!.api.finishCall(call.id);
                await this.client!.api.closeCall(call.id);
              })}>${t.call.done}</button>`}
      </header>
      <dl>
        ${READ_ONLY.map(([path, label]) => {
          const value = getPath(call, path);
          return typeof value === 'string' && value
            ? html`<dt>${t.fields[label]}</dt><dd>${value}${this.author(call, path)}</dd>`
            : nothing;
        })}
      </dl>
      <div class="fields">
        ${EDITABLE.map(([path, label, autocomplete]) => html`<label><span>${t.fields[label]}${this.author(call, path)}</span>
          <input autocomplete=${autocomplete} type=${path === 'contact.email' ? 'email' : 'text'}
            .value=${this.shown(call, path)}
            @input=${(e: Event) => this.save(call, { [path]: (e.target as HTMLInputElement).value.trim() || null })}
            @blur=${() => void this.flush()} /></label>`)}
      </div>
      ${appsAreas.length
        ? html`<ul class="apps" aria-label=${t.call.fromApps}>
            ${appsAreas.map(([id, area]) => html`<li>${this.client?.status.apps.find((a) => a.id === id)?.name ?? id}:
              ${Object.entries(area).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ').slice(0, 300)}</li>`)}
          </ul>`
        : nothing}
      <label>${t.fields.notes}
        <textarea
          .value=${this.pending?.id === call.id && 'notes' in this.pending.fields ? String(this.pending.fields.notes ?? '') : (call.notes ?? '')}
          @input=${(e: Event) => this.save(call, { notes: (e.target as HTMLTextAreaElement).value || null })}
          @blur=${() => void this.flush()}
        ></textarea>
      </label>
      <div class="fields">
        <label><span>${t.fields.tags}${this.author(call, 'tags')}</span>
          <input placeholder=${t.call.commaSeparated} autocomplete="off" .value=${this.shown(call, 'tags')}
            @change=${(e: Event) => {
              const tags = this.tags((e.target as HTMLInputElement).value);
              this.save(call, { tags: tags.length ? tags : null });
              void this.flush();
            }} />
        </label>
        <label><span>${t.fields.labels}${this.author(call, 'labels')}</span>
          <input placeholder=${t.call.commaSeparated} autocomplete="off" list="pb-known-labels" .value=${this.shown(call, 'labels')}
            @change=${(e: Event) => {
              const labels = this.tags((e.target as HTMLInputElement).value);
              this.save(call, { labels: labels.length ? labels : null });
              void this.flush();
            }} />
          <datalist id="pb-known-labels">${this.knownLabels().map((l) => html`<option value=${l}></option>`)}</datalist>
        </label>
      </div>
      ${this.offerContact(call)}
      ${lookup || call.finalAt !== undefined
        ? nothing
        : html`<label class="inline"><input type="checkbox" .checked=${call.dontLog === true}
            @change=${(e: Event) => this.run(() => this.client!.api.setDontLog(call.id, (e.target as HTMLInputElement).checked))} />
            ${t.call.dontLog}</label>`}
      ${logged.length ? html`<ul class="log muted" aria-label=${t.call.loggingList}>${logged.map((line) => html`<li>${line}</li>`)}</ul>` : nothing}
      <div class="saved muted" role="status">${this.saving}</div>
    </section>`;
  }
}

/**
 * @summary "Look up": a number or a business card with no call, enriched by the apps like a call.
 */
@customElement('pb-lookup')
export class PbLookup extends HubElement {
  protected static override slices: readonly Slice[] = [];
  static override styles = [
    theme,
    css`
      form { display: grid; gap: 8px; margin-top: 10px; }
      label { display: grid; gap: 4px; }
      .fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(11em, 1fr)); gap: 8px; }
    `,
  ];

  private submit(e: Event) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = Object.fromEntries(new FormData(form)) as Record<string, string>;
    void this.run(async () => {
      await this.client!.api.lookup({ number: data.number, name: data.name, company: data.company, email: data.email });
      form.reset();
    });
  }

  override render() {
    return html`<details class="card">
      <summary>${t.call.lookUpSummary}</summary>
      <form @submit=${this.submit}>
        <label>${t.fields.number} <input name="number" inputmode="tel" autocomplete="off" /></label>
        <label>${t.fields.name} <input name="name" autocomplete="off" /></label>
        <label>${t.fields.company} <input name="company" autocomplete="off" /></label>
        <label>${t.fields.email} <input name="email" type="email" autocomplete="off" /></label>
        <button class="primary">${t.call.lookUp}</button>
      </form>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-call-record': PbCallRecord;
    'pb-lookup': PbLookup;
  }
}
