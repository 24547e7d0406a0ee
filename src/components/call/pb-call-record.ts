import { html, css, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { CallRecord, FieldPatch } from '../../shared/api.ts';
import { getPath } from '../../shared/paths.ts';
import { describe, logLines, time, who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { theme } from '../theme.ts';

const CONTACT_FIELDS = [
  ['contact.name', 'Name'],
  ['contact.title', 'Title'],
  ['contact.company', 'Company'],
  ['contact.email', 'Email'],
  ['contact.address', 'Address'],
  ['account', 'Account'],
  ['opportunity', 'Opportunity'],
  ['ticket', 'Ticket'],
  ['subject', 'Subject'],
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
      .by { font-size: 0.8em; color: var(--pb-muted); margin-left: 6px; }
      label { display: grid; gap: 4px; }
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

  /** "CRM", "you", "the PBX": who wrote a field. */
  private author(call: CallRecord, path: string) {
    const p = call.provenance[path];
    if (!p) return nothing;
    const name = p.by === 'user' ? 'you' : p.by === 'pbx' ? 'the PBX' : (this.client?.status.apps.find((a) => a.id === p.by)?.name ?? p.by);
    return html`<span class="by">by ${name}</span>`;
  }

  private save(call: CallRecord, fields: FieldPatch) {
    this.pending = { id: call.id, fields: { ...(this.pending?.id === call.id ? this.pending.fields : {}), ...fields } };
    this.saving = 'Saving…';
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
      this.saving = 'Saved';
    } catch (error) {
      this.saving = '';
      this.dispatchEvent(new CustomEvent('pb-error', { detail: (error as Error).message, bubbles: true, composed: true }));
    }
  }

  private tags(value: string): string[] {
    return value.split(',').map((t) => t.trim()).filter(Boolean);
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
    return html`<section class="card" aria-label="Call record">
      <header>
        <div>
          <h2>${who(call)}</h2>
          <div class="muted">
            ${lookup ? 'Lookup' : describe(call)} · ${time(call.startedAt)}
            ${call.remote.number && call.remote.number !== who(call) ? html` · ${call.remote.number}` : nothing}
          </div>
        </div>
        ${live
          ? nothing
          : html`<button title=${wrapping ? 'The wrap-up is over: log the call now and take it out of the panel' : 'Take it out of the panel; apps are told'}
              @click=${() => this.run(async () => {
                await this.flush();
                if (wrapping) await this.client!.api.finishCall(call.id);
                await this.client!.api.closeCall(call.id);
              })}>Done</button>`}
      </header>
      <dl>
        ${CONTACT_FIELDS.map(([path, label]) => {
          const value = getPath(call, path);
          return typeof value === 'string' && value
            ? html`<dt>${label}</dt><dd>${value}${this.author(call, path)}</dd>`
            : nothing;
        })}
      </dl>
      ${appsAreas.length
        ? html`<ul class="apps" aria-label="From apps">
            ${appsAreas.map(([id, area]) => html`<li>${this.client?.status.apps.find((a) => a.id === id)?.name ?? id}:
              ${Object.entries(area).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ').slice(0, 300)}</li>`)}
          </ul>`
        : nothing}
      <label>Notes
        <textarea
          .value=${this.pending?.id === call.id && 'notes' in this.pending.fields ? String(this.pending.fields.notes ?? '') : (call.notes ?? '')}
          @input=${(e: Event) => this.save(call, { notes: (e.target as HTMLTextAreaElement).value || null })}
          @blur=${() => void this.flush()}
        ></textarea>
      </label>
      <label>Tags
        <input
          placeholder="comma separated"
          .value=${(call.tags ?? []).join(', ')}
          @change=${(e: Event) => {
            const tags = this.tags((e.target as HTMLInputElement).value);
            this.save(call, { tags: tags.length ? tags : null });
            void this.flush();
          }}
        />
      </label>
      ${lookup || call.finalAt !== undefined
        ? nothing
        : html`<label class="inline"><input type="checkbox" .checked=${call.dontLog === true}
            @change=${(e: Event) => this.run(() => this.client!.api.setDontLog(call.id, (e.target as HTMLInputElement).checked))} />
            Don't log this call</label>`}
      ${logged.length ? html`<ul class="log muted" aria-label="Logging">${logged.map((line) => html`<li>${line}</li>`)}</ul>` : nothing}
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
      <summary>Look up a number or a business card</summary>
      <form @submit=${this.submit}>
        <label>Number <input name="number" inputmode="tel" autocomplete="off" /></label>
        <label>Name <input name="name" autocomplete="off" /></label>
        <label>Company <input name="company" autocomplete="off" /></label>
        <label>Email <input name="email" type="email" autocomplete="off" /></label>
        <button class="primary">Look up</button>
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
