import { html, css, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { CallRecord, Provenance } from '../../shared/api.ts';
import { callBackTarget, dateTime, directionLabel, duration, logLines, outcomeLabel, time, timeOfDay, who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** The enrichment a user edits here, as the hub's dotted paths (each also the field's name in `t.fields`). */
const EDITABLE = [
  { path: 'subject', kind: 'text' },
  { path: 'notes', kind: 'area' },
  { path: 'tags', kind: 'list' },
  { path: 'labels', kind: 'list' },
  { path: 'account', kind: 'text' },
  { path: 'opportunity', kind: 'text' },
  { path: 'ticket', kind: 'text' },
] as const;
type Editable = (typeof EDITABLE)[number];
type EditPath = Editable['path'];

/** The contact's fields shown, in order (each also the field's name in `t.fields`). */
const CONTACT = ['name', 'company', 'title', 'email', 'address'] as const;

/**
 * Whether a link may be followed: http, https, mailto or tel, as the record's schema allows. The hub
 * refuses any other, but a record stored before it did (or written straight into the database) may
 * hold `javascript:` or `data:` links: those show as text.
 */
function webLink(link: unknown): link is string {
  if (typeof link !== 'string') return false;
  try {
    return ['http:', 'https:', 'mailto:', 'tel:'].includes(new URL(link).protocol);
  } catch {
    return false;
  }
}

/** How long typing pauses before an edit is saved (ms); leaving the field saves at once. */
const SAVE_DELAY = 700;

function asText(call: CallRecord, path: EditPath): string {
  const value = call[path];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

function fromText(kind: Editable['kind'], text: string): string | string[] | null {
  if (kind === 'list') {
    const words = text.split(',').map((w) => w.trim()).filter(Boolean);
    return words.length ? words : null;
  }
  return text.trim() ? text : null;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Media handover": an event of the timeline in words; one the catalogue does not name, from its type. */
function eventName(type: string): string {
  const names: Record<string, string> = t.detail.events;
  return names[type] ?? capital(type.replace('-', ' '));
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * @summary Everything one call record holds: PBX facts, its events, the contact, what each app
 * contributed and who wrote what; the user's enrichment (notes, subject, tags, labels, account,
 * opportunity, ticket) is edited in place and saved as the user types. "Call back", "Open for apps".
 * @fires pb-close - the user leaves the detail.
 * @fires pb-navigate - with detail `'phone'`: show the phone (after "Call back" or "Open for apps").
 */
@customElement('pb-call-detail')
export class PbCallDetail extends HubElement {
  protected static override slices: readonly Slice[] = ['calls', 'status'];
  /** The record shown. */
  @property({ attribute: false }) callId = '';
  /** What the list already holds of it, shown until the hub answers. */
  @property({ attribute: false }) initial?: CallRecord;
  /** Narrow screens: the detail replaces the list, so its way out says "Back". */
  @property({ type: Boolean }) narrow = false;
  @state() private call?: CallRecord;
  @state() private loadError = '';
  @state() private saveState: '' | 'saving' | 'saved' = '';
  @state() private saveError = '';
  /** Text typed but not yet saved, by field: shown instead of the record's value. */
  @state() private drafts = new Map<EditPath, string>();

  @query('h2') private heading?: HTMLElement;

  private timers = new Map<EditPath, ReturnType<typeof setTimeout>>();
  /** Saves run one after another, so the hub sees them in typing order. */
  private chain: Promise<void> = Promise.resolve();

  static override styles = [
    theme,
    css`
      :host { display: block; min-width: 0; }
      section { display: grid; gap: 14px; }
      .top { display: flex; gap: 8px; justify-content: space-between; align-items: flex-start; }
      h2 { font-size: 1.2em; margin: 0; overflow-wrap: anywhere; }
      h2:focus { outline: none; }
      h3 { font-size: 0.95em; margin: 0 0 6px; }
      .sub { margin: 2px 0 0; overflow-wrap: anywhere; }
      .actions { display: flex; gap: 8px; flex-wrap: wrap; }
      dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 12px; margin: 0; }
      dt { color: var(--pb-muted); }
      dd { margin: 0; overflow-wrap: anywhere; }
      .by { font-size: 0.8em; color: var(--pb-muted); }
      ol { margin: 0; padding-inline-start: 1.2em; display: grid; gap: 2px; }
      .fields { display: grid; gap: 10px; }
      label { display: grid; gap: 4px; }
      label > span:first-child { font-weight: 600; font-size: 0.9em; display: flex; justify-content: space-between; gap: 8px; }
      textarea { font: inherit; color: var(--pb-text); background: var(--pb-surface); border: 1px solid var(--pb-border);
                 border-radius: 8px; padding: 0.5em 0.6em; min-height: 6em; resize: vertical; box-sizing: border-box; width: 100%; }
      textarea:focus-visible { outline: 3px solid var(--pb-accent); outline-offset: 1px; }
      .save { min-height: 1.4em; margin: 0; font-size: 0.9em; }
      .saved { color: var(--pb-good); }
      .bad { color: var(--pb-bad); font-weight: 600; margin: 0; }
      .app { border-top: 1px solid var(--pb-border); padding-top: 8px; }
      table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
      th, td { text-align: start; padding: 3px 6px 3px 0; border-bottom: 1px solid var(--pb-border); overflow-wrap: anywhere; }
      .chips { display: flex; gap: 4px; flex-wrap: wrap; margin: 0; padding: 0; list-style: none; }
      .chips li { border: 1px solid var(--pb-border); border-radius: 999px; padding: 0 8px; font-size: 0.85em; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.onKey);
    this.flush();
  }

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.close();
    }
  };

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    if (changed.has('callId')) {
      this.flush();
      this.drafts = new Map();
      this.saveState = '';
      this.saveError = '';
      this.loadError = '';
      this.call = this.initial?.id === this.callId ? this.initial : undefined;
      void this.load();
    }
    // A newer version from the hub (another tab, an app, our own save) replaces what is shown.
    const pushed = this.client?.calls.get(this.callId);
    if (pushed && (!this.call || pushed.version > this.call.version)) this.call = pushed;
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('callId')) this.heading?.focus();
  }

  private async load(): Promise<void> {
    const id = this.callId;
    if (!id || !this.client) return;
    try {
      const record = await this.client.api.get(id);
      if (id !== this.callId) return;
      if (!record) this.loadError = t.detail.gone;
      else if (!this.call || record.version >= this.call.version) this.call = record;
    } catch (error) {
      this.loadError = t.detail.couldNotRead((error as Error).message);
    }
  }

  // ---- Saving -------------------------------------------------------------------------------

  private onInput(field: Editable, value: string): void {
    this.drafts = new Map(this.drafts).set(field.path, value);
    this.saveState = '';
    clearTimeout(this.timers.get(field.path));
    this.timers.set(field.path, setTimeout(() => this.queueSave(field), SAVE_DELAY));
  }

  private onBlur(field: Editable): void {
    if (!this.timers.has(field.path)) return;
    clearTimeout(this.timers.get(field.path));
    this.queueSave(field);
  }

  /** Saves every pending edit now (leaving the detail, switching calls). */
  private flush(): void {
    for (const field of EDITABLE) {
      if (this.timers.has(field.path)) {
        clearTimeout(this.timers.get(field.path));
        this.queueSave(field);
      }
    }
  }

  private queueSave(field: Editable): void {
    this.timers.delete(field.path);
    const id = this.callId;
    const text = this.drafts.get(field.path);
    if (text === undefined) return;
    this.chain = this.chain.then(() => this.save(id, field, text));
  }

  private async save(id: string, field: Editable, text: string): Promise<void> {
    const api = this.client?.api;
    const current = this.call?.id === id ? this.call : undefined;
    if (!api) return;
    const value = fromText(field.kind, text);
    const same = current && JSON.stringify(fromText(field.kind, asText(current, field.path))) === JSON.stringify(value);
    if (!same) {
      this.saveState = 'saving';
      try {
        const { version } = await api.patchCall(id, { [field.path]: value });
        if (id === this.callId && this.call && version > this.call.version) {
          const next: CallRecord = { ...this.call, version };
          if (value === null) delete next[field.path];
          else (next as unknown as Record<string, unknown>)[field.path] = value;
          next.provenance = { ...next.provenance, [field.path]: { by: 'user', at: Date.now() } };
          this.call = next;
        }
        if (id === this.callId) {
          this.saveState = 'saved';
          this.saveError = '';
        }
      } catch (error) {
        if (id === this.callId) {
          this.saveState = '';
          const e = error as Error;
          const label = t.fields[field.path];
          this.saveError = e.name === 'QuotaExceeded'
            ? t.detail.notSavedFull(label, e.message, /storage is full/i.test(e.message))
            : t.detail.notSaved(label, e.message);
        }
        return;
      }
    }
    // Drop the draft unless the user typed on meanwhile.
    if (id === this.callId && this.drafts.get(field.path) === text && !this.timers.has(field.path)) {
      const drafts = new Map(this.drafts);
      drafts.delete(field.path);
      this.drafts = drafts;
    }
  }

  // ---- Actions ------------------------------------------------------------------------------

  private close(): void {
    this.flush();
    this.dispatchEvent(new CustomEvent('pb-close', { bubbles: true, composed: true }));
  }

  private navigate(): void {
    this.dispatchEvent(new CustomEvent('pb-navigate', { detail: 'phone', bubbles: true, composed: true }));
  }

  private callBack(): Promise<void> {
    const call = this.call!;
    return this.run(async () => {
      await this.client!.api.dial(callBackTarget(call));
      this.navigate();
    });
  }

  private openForApps(): Promise<void> {
    return this.run(async () => {
      await this.client!.api.openCall(this.callId);
      this.navigate();
    });
  }

  // ---- Rendering ----------------------------------------------------------------------------

  /** "you", "the PBX", "CRM": who wrote a field. */
  private authorName(p: Provenance): string {
    return p.by === 'user' ? t.calls.you : p.by === 'pbx' ? t.calls.thePbx : (this.client?.status.apps.find((a) => a.id === p.by)?.name ?? p.by);
  }

  /** "by CRM, 14:05". */
  private author(p?: Provenance): string {
    return p ? t.detail.byAt(this.authorName(p), time(p.at)) : '';
  }

  private by(call: CallRecord, path: string) {
    const p = call.provenance?.[path];
    return p ? html`<span class="by">${this.author(p)}</span>` : nothing;
  }

  private facts(c: CallRecord) {
    const d = t.detail;
    const rows: [string, string | undefined][] = [
      [d.direction, directionLabel(c)],
      [d.outcome, capital(outcomeLabel(c))],
      [d.reason, c.reason],
      [t.fields.number, c.remote.number],
      [t.fields.address, c.remote.uri],
      [d.callerName, c.remote.displayName],
      [d.onLine, c.local.displayName ? d.nameAndAddress(c.local.displayName, c.local.uri) : c.local.uri],
      [d.started, dateTime(c.startedAt)],
      [d.answered, c.answeredAt ? dateTime(c.answeredAt) : undefined],
      [d.ended, c.endedAt ? dateTime(c.endedAt) : undefined],
      [d.ringing, c.ringSeconds !== undefined ? duration(c.ringSeconds) : undefined],
      [d.talk, c.talkSeconds !== undefined ? duration(c.talkSeconds) : undefined],
      [d.encrypted, c.secure ? d.encryptedYes : d.no],
      [d.recorded, c.recorded === undefined ? undefined : c.recorded ? d.yes : d.no],
      [d.monitored, c.monitored === undefined ? undefined : c.monitored ? d.yes : d.no],
      [d.logged, logLines(c).join('; ') || undefined],
    ];
    return html`<dl>${rows.filter(([, v]) => v).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
  }

  private contact(c: CallRecord) {
    const k = c.contact ?? {};
    const rows = CONTACT.filter((key) => k[key]);
    if (!rows.length && !k.links?.length) return html`<p class="muted sub">${t.detail.noContact}</p>`;
    return html`<dl>
      ${rows.map((key) => html`<dt>${t.fields[key]}</dt><dd>${k[key]} ${this.by(c, `contact.${key}`)}</dd>`)}
      ${Array.isArray(k.links) && k.links.length
        ? html`<dt>${t.fields.links}</dt><dd>${k.links.map((l) => html`<div>${webLink(l) ? html`<a href=${l} target="_blank" rel="noopener noreferrer">${l}</a>` : String(l)}</div>`)}
            ${this.by(c, 'contact.links')}</dd>`
        : nothing}
    </dl>`;
  }

  private apps(c: CallRecord) {
    const entries = Object.entries(c.apps ?? {}).filter(([, v]) => v && Object.keys(v).length);
    if (!entries.length) return html`<p class="muted sub">${t.detail.noApps}</p>`;
    return entries.map(([appId, values]) => {
      const name = this.client?.status.apps.find((a) => a.id === appId)?.name ?? appId;
      return html`<div class="app">
        <h4 class="sub">${name}</h4>
        <dl>${Object.entries(values).map(([key, value]) => html`<dt>${key}</dt><dd>${show(value)} ${this.by(c, `apps.${appId}.${key}`)}</dd>`)}</dl>
      </div>`;
    });
  }

  private field(c: CallRecord, f: Editable) {
    const value = this.drafts.get(f.path) ?? asText(c, f.path);
    const input = (e: Event) => this.onInput(f, (e.target as HTMLInputElement | HTMLTextAreaElement).value);
    const blur = () => this.onBlur(f);
    const chips = f.kind === 'list' ? (c[f.path] as string[] | undefined) : undefined;
    const label = t.fields[f.path];
    return html`<label>
      <span><span>${label}</span>${this.by(c, f.path)}</span>
      ${f.kind === 'area'
        ? html`<textarea .value=${live(value)} @input=${input} @blur=${blur}></textarea>`
        : html`<input .value=${live(value)} placeholder=${f.kind === 'list' ? t.detail.commaSeparated : ''} @input=${input} @blur=${blur} />`}
    </label>
    ${chips?.length ? html`<ul class="chips" aria-label=${label}>${chips.map((chip) => html`<li>${chip}</li>`)}</ul>` : nothing}`;
  }

  private written(c: CallRecord) {
    const entries = Object.entries(c.provenance ?? {}).sort((a, b) => b[1].at - a[1].at);
    return html`<details>
      <summary>${t.detail.whoWrote(entries.length)}</summary>
      <table>
        <thead><tr><th scope="col">${t.detail.field}</th><th scope="col">${t.detail.by}</th><th scope="col">${t.detail.when}</th></tr></thead>
        <tbody>${entries.map(([path, p]) => html`<tr><td>${path}</td><td>${this.authorName(p)}</td><td>${dateTime(p.at)}</td></tr>`)}</tbody>
      </table>
    </details>`;
  }

  override render() {
    const c = this.call;
    const registered = this.client?.status.state === 'registered';
    return html`<section class="card" aria-label=${t.detail.label}>
      <div class="top">
        <div>
          <h2 tabindex="-1">${c ? who(c) : t.detail.call}</h2>
          ${c ? html`<p class="sub muted">${t.calls.line(directionLabel(c), outcomeLabel(c))} · ${dateTime(c.startedAt)}${
            c.talkSeconds ? ` · ${duration(c.talkSeconds)}` : ''}</p>` : nothing}
        </div>
        <button @click=${this.close}>${this.narrow ? t.detail.back : t.detail.close}</button>
      </div>
      ${this.loadError ? html`<p class="bad" role="alert">${this.loadError}</p>` : nothing}
      ${c
        ? html`
            <div class="actions">
              <button class="good" ?disabled=${!registered} title=${registered ? t.detail.callsTitle(callBackTarget(c)) : t.detail.signInToCall}
                @click=${this.callBack}>${t.detail.callBack}</button>
              <button @click=${this.openForApps}>${t.detail.openForApps}</button>
            </div>
            <div class="fields">
              <h3>${t.detail.notesAndTags}</h3>
              ${EDITABLE.map((f) => this.field(c, f))}
              <p class="save ${this.saveState === 'saved' ? 'saved' : ''}" role="status">
                ${this.saveState === 'saving' ? t.detail.saving : this.saveState === 'saved' ? t.detail.saved : ''}</p>
              ${this.saveError ? html`<p class="bad" role="alert">${this.saveError}</p>` : nothing}
            </div>
            <div><h3>${t.detail.contact}</h3>${this.contact(c)}</div>
            <div><h3>${t.detail.call}</h3>${this.facts(c)}</div>
            <div>
              <h3>${t.detail.timeline}</h3>
              ${c.events.length
                ? html`<ol>${c.events.map((e) => html`<li><span class="muted">${timeOfDay(e.at)}</span> ${eventName(e.type)}${e.detail ? html`: ${e.detail}` : nothing}</li>`)}</ol>`
                : html`<p class="muted sub">${t.detail.noEvents}</p>`}
            </div>
            <div><h3>${t.detail.fromApps}</h3>${this.apps(c)}</div>
            ${this.written(c)}
          `
        : this.loadError ? nothing : html`<p class="muted">${t.detail.loading}</p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-call-detail': PbCallDetail;
  }
}
