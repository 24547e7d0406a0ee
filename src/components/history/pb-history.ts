import { html, css, noChange, nothing, svg, type PropertyValues } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';
import type { CallRecord, HistoryFilter, HistoryQuery, StorageInfo } from '../../shared/api.ts';
import { dayKey, dayLabel, directionLabel, duration, logBadge, outcomeLabel, timeOfDay, who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';
import './pb-call-detail.ts';

/** Calls per page read from the hub. */
const PAGE = 100;
/** Fixed heights (px): the list is virtualised by offsets, so rows never measure themselves. */
const ROW = 60;
const DAY = 34;
/** Rendered beyond the viewport on each side (px), so fast scrolling shows no gaps. */
const OVERSCAN = 600;
/** Pages further than this from the viewport drop their records (their cursor and height stay). */
const KEEP_PAGES = 3;

/**
 * Sets style properties on an element through the CSSOM. Not a `style` attribute, nor lit's styleMap
 * (its first render writes one): the page's Content-Security-Policy refuses inline styles.
 */
class CssProps extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('cssProps belongs on an element: <div ${cssProps(…)}>');
  }

  render(_props: Record<string, string>) {
    return noChange;
  }

  override update(part: ElementPart, [props]: [Record<string, string>]) {
    const { style } = part.element as HTMLElement;
    for (const [name, value] of Object.entries(props)) style.setProperty(name, value);
    return noChange;
  }
}
const cssProps = directive(CssProps);
/** A row's offset in the list. */
const at = (top: number) => cssProps({ transform: `translateY(${top}px)` });

/** The filters, in order; their names are `t.history.filters`. */
const FILTERS: HistoryFilter[] = ['all', 'missed', 'received', 'dialed'];

/** 16×16 stroke icons (SVG, so they look the same whatever fonts the system has). */
const ICONS: Record<string, ReturnType<typeof svg>> = {
  inbound: svg`<path d="M12 4 4 12M4 6v6h6"/>`,
  outbound: svg`<path d="M4 12 12 4M6 4h6v6"/>`,
  lookup: svg`<circle cx="7" cy="7" r="4"/><path d="m10 10 4 4"/>`,
  answered: svg`<path d="m3 8.5 3 3 7-7"/>`,
  missed: svg`<path d="m4 4 8 8m0-8-8 8"/>`,
  declined: svg`<circle cx="8" cy="8" r="5.5"/><path d="m4.2 11.8 7.6-7.6"/>`,
  busy: svg`<circle cx="8" cy="8" r="5.5"/><path d="M5 8h6"/>`,
  failed: svg`<path d="M8 2.5 14 13.5H2zM8 6.5V10m0 1.8v.4"/>`,
  cancelled: svg`<path d="M4 8h8"/>`,
  voicemail: svg`<circle cx="4.5" cy="9" r="2.5"/><circle cx="11.5" cy="9" r="2.5"/><path d="M4.5 11.5h7"/>`,
  interrupted: svg`<path d="M9.5 2 5 9h4.5L7 14"/>`,
  live: svg`<circle cx="8" cy="8" r="5.5"/><path d="M8 5v3l2 1.5"/>`,
};

function icon(name: string, label: string, cls = '') {
  return html`<span class=${`icon ${cls}`} role="img" aria-label=${label}
    ><svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">${ICONS[name] ?? ICONS['live']}</svg></span>`;
}

/** One page of the history: its records while near the viewport, always its cursor and size. */
interface Page {
  /** The cursor that produced it (absent for the first page). */
  after?: string;
  /** The cursor of the page after it; absent at the end. */
  next?: string;
  calls?: CallRecord[];
  size: number;
  height: number;
  /** Day of its last call, so the next page knows whether it starts a new day. */
  lastDay: string;
  loading?: boolean;
}

type Row =
  | { kind: 'day'; key: string; label: string; top: number }
  | { kind: 'call'; key: string; call: CallRecord; top: number; index: number };

export type ExportFormat = 'csv' | 'json';

/**
 * @summary The call history: filters, search, grouping by day, and a list virtualised over pages
 * read with cursors from the hub, so any number of calls scrolls without holding them all.
 * Activating a call opens its detail beside the list (wide) or in its place (narrow).
 * Also export (CSV, JSON), import (JSON) and storage (space used, persistence).
 */
/** The largest file "Import" reads. */
const MAX_IMPORT_BYTES = 512 * 2 ** 20;

@customElement('pb-history')
export class PbHistory extends HubElement {
  protected static override slices: readonly Slice[] = ['calls'];
  @state() private filter: HistoryFilter = 'all';
  @state() private search = '';
  @state() private pages: Page[] = [];
  @state() private loadError = '';
  @state() private loaded = false;
  @state() private scrolled = 0;
  @state() private viewHeight = 480;
  /** The row that takes Tab focus in the list (roving tabindex), by call id. */
  @state() private activeId?: string;
  @state() private openId?: string;
  @state() private wide = false;
  // Your data
  @state() private exportAll = false;
  @state() private dataMessage = '';
  @state() private dataError = '';
  @state() private storage?: StorageInfo;
  @state() private persisted?: boolean;

  @query('.viewport') private viewport?: HTMLElement;

  /** Bumped by every new query so late answers to an old one are dropped. */
  private generation = 0;
  private searchTimer?: ReturnType<typeof setTimeout>;
  private headTimer?: ReturnType<typeof setTimeout>;
  private frame = 0;
  private versions = new Map<string, number>();
  private resize?: ResizeObserver;
  private savedScroll = 0;
  /** Viewports the resize observer watches (the viewport is re-created when the detail replaces the list). */
  private resizeWatched = new WeakSet<Element>();
  /** The layout of each loaded page, recomputed when its records or predecessor change. */
  private layouts = new WeakMap<CallRecord[], { prevDay: string; rows: Row[] }>();

  static override styles = [
    theme,
    css`
      :host { display: block; }
      .layout { display: grid; gap: 12px; }
      .layout.split { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); align-items: start; }
      .pane { display: grid; gap: 10px; min-width: 0; }
      .pane[hidden] { display: none; }
      .layout > details { grid-column: 1 / -1; }
      .split > pb-call-detail { position: sticky; top: 12px; max-height: calc(100dvh - 24px); overflow-y: auto;
                                border-radius: var(--pb-radius); }
      .placeholder { margin: 0; min-height: 120px; display: grid; place-items: center; text-align: center; }
      h2 { font-size: 1em; margin: 0; }
      .filters { display: flex; gap: 6px; flex-wrap: wrap; }
      .filters button { flex: 1 1 0; min-width: 0; padding-inline: 0.5em; }
      .viewport { position: relative; overflow-y: auto; overscroll-behavior: contain;
                  height: max(300px, calc(100dvh - 330px)); border-top: 1px solid var(--pb-border); }
      [role='list'] { position: relative; margin: 0; padding: 0; }
      .item { position: absolute; left: 0; right: 0; box-sizing: border-box; }
      .day { height: ${DAY}px; display: flex; align-items: flex-end; padding: 0 6px 4px;
             font-size: 0.8em; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
             color: var(--pb-muted); }
      .day h3 { font: inherit; margin: 0; }
      .row { height: ${ROW}px; width: 100%; display: grid; grid-template-columns: 2.6em minmax(0, 1fr) auto;
             align-items: center; gap: 0 8px; text-align: start; border: 0; border-bottom: 1px solid var(--pb-border);
             border-radius: 0; background: transparent; padding: 4px 6px; min-height: 0; }
      .row:hover { background: color-mix(in srgb, var(--pb-accent) 8%, transparent); }
      .row[aria-current='true'] { background: color-mix(in srgb, var(--pb-accent) 16%, transparent); }
      .row:focus-visible { outline-offset: -3px; }
      .icons { display: flex; gap: 3px; align-items: center; justify-content: center; }
      .icon { display: inline-flex; }
      .icon svg { fill: none; stroke: currentColor; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }
      .icons .out svg { width: 13px; height: 13px; }
      .text { display: grid; min-width: 0; }
      .name, .meta { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
      .name { font-weight: 600; }
      .meta { font-size: 0.85em; color: var(--pb-muted); }
      .when { font-size: 0.85em; color: var(--pb-muted); font-variant-numeric: tabular-nums; text-align: end; }
      [data-outcome='missed'] .name, [data-outcome='missed'] .icons { color: var(--pb-bad); }
      [data-outcome='answered'] .out { color: var(--pb-good); }
      .more { height: ${ROW}px; display: flex; align-items: center; justify-content: center; }
      .empty { padding: 16px 6px; margin: 0; }
      .error { color: var(--pb-bad); margin: 0; padding: 8px 6px; }
      .data { display: grid; gap: 10px; margin-top: 10px; }
      .data .actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
      fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: 12px; flex-wrap: wrap; }
      legend { padding: 0; margin-bottom: 4px; font-weight: 600; }
      fieldset label { display: flex; gap: 6px; align-items: center; }
      input[type='radio'] { width: auto; min-height: 0; }
      .file { position: relative; }
      .file input { position: absolute; inset: 0; opacity: 0; cursor: pointer; }
      .file span { display: inline-flex; align-items: center; min-height: 40px; box-sizing: border-box;
                   padding: 0.45em 0.9em; border: 1px solid var(--pb-border); border-radius: 8px; background: var(--pb-surface); }
      .file:focus-within span { outline: 3px solid var(--pb-accent); outline-offset: 1px; }
      .data p { margin: 0; }
      .bad { color: var(--pb-bad); font-weight: 600; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(this);
    this.resizeWatched = new WeakSet();
    this.client?.addEventListener('change', this.onClientChange);
    this.remember();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.client?.removeEventListener('change', this.onClientChange);
    clearTimeout(this.searchTimer);
    clearTimeout(this.headTimer);
    cancelAnimationFrame(this.frame);
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    if (changed.has('client')) {
      (changed.get('client') as this['client'])?.removeEventListener('change', this.onClientChange);
      this.client?.addEventListener('change', this.onClientChange);
      this.remember();
      this.reload();
    }
  }

  override updated(): void {
    const v = this.viewport;
    if (v && !this.resizeWatched.has(v)) {
      this.resizeWatched.add(v);
      this.resize?.observe(v);
      this.measure();
    }
  }

  private measure(): void {
    this.wide = this.clientWidth >= 760;
    const v = this.viewport;
    if (v && v.clientHeight) this.viewHeight = v.clientHeight;
  }

  // ---- Loading ------------------------------------------------------------------------------

  private query(extra: Partial<HistoryQuery> = {}): HistoryQuery {
    return { filter: this.filter, ...(this.search.trim() ? { search: this.search.trim() } : {}), ...extra };
  }

  /** Starts over from the newest call (a new filter or search, an import). */
  reload(): void {
    const api = this.client?.api;
    if (!api) return;
    const gen = ++this.generation;
    this.loadError = '';
    this.loaded = false;
    this.pages = [];
    if (this.viewport) this.viewport.scrollTop = 0;
    this.scrolled = 0;
    api.history(this.query({ limit: PAGE })).then(
      (page) => {
        if (gen !== this.generation) return;
        this.pages = [this.page(page.calls, undefined, page.next, '')];
        this.loaded = true;
        this.activeId = page.calls[0]?.id;
        this.fill();
      },
      (error: Error) => {
        if (gen !== this.generation) return;
        this.loaded = true;
        this.loadError = t.history.couldNotRead(error.message);
      },
    );
  }

  private page(calls: CallRecord[], after: string | undefined, next: string | undefined, prevDay: string): Page {
    const rows = this.rowsOf(calls, prevDay);
    const last = calls.at(-1);
    return { after, next, calls, size: calls.length, height: rows.height, lastDay: last ? dayKey(last.startedAt) : prevDay };
  }

  private rowsOf(calls: CallRecord[], prevDay: string): { rows: Row[]; height: number } {
    const cached = this.layouts.get(calls);
    if (cached && cached.prevDay === prevDay) {
      const end = cached.rows.at(-1);
      return { rows: cached.rows, height: end ? end.top + (end.kind === 'day' ? DAY : ROW) : 0 };
    }
    const rows: Row[] = [];
    let top = 0;
    let day = prevDay;
    calls.forEach((call, i) => {
      const d = dayKey(call.startedAt);
      if (d !== day) {
        rows.push({ kind: 'day', key: `day-${d}`, label: dayLabel(call.startedAt), top });
        top += DAY;
        day = d;
      }
      rows.push({ kind: 'call', key: call.id, call, top, index: i });
      top += ROW;
    });
    this.layouts.set(calls, { prevDay, rows });
    return { rows, height: top };
  }

  /** Loads the next page when the end is near, reloads dropped pages in view, drops far ones. */
  private fill(): void {
    const gen = this.generation;
    const api = this.client?.api;
    if (!api || !this.pages.length) return;
    const top = this.scrolled - OVERSCAN;
    const bottom = this.scrolled + this.viewHeight + OVERSCAN;
    let y = 0;
    let first = -1;
    let last = -1;
    this.pages.forEach((p, i) => {
      if (y + p.height >= top && y <= bottom) {
        if (first < 0) first = i;
        last = i;
      }
      y += p.height;
    });
    const end = this.pages.at(-1)!;
    if (end.next && !end.loading && y - (this.scrolled + this.viewHeight) < 2 * this.viewHeight + OVERSCAN) {
      end.loading = true;
      const prevDay = end.lastDay;
      api.history(this.query({ after: end.next, limit: PAGE })).then(
        (page) => {
          end.loading = false;
          if (gen !== this.generation) return;
          this.pages = [...this.pages, this.page(page.calls, end.next, page.next, prevDay)];
          this.fill();
        },
        (error: Error) => {
          end.loading = false;
          if (gen === this.generation) this.loadError = t.history.couldNotReadMore(error.message);
        },
      );
    }
    if (first < 0) return;
    this.pages.forEach((p, i) => {
      const near = i === 0 || (i >= first - KEEP_PAGES && i <= last + KEEP_PAGES);
      if (!near && p.calls && !p.calls.some((c) => c.id === this.activeId)) p.calls = undefined;
      if (i >= first && i <= last && !p.calls && !p.loading) this.refetch(i);
    });
  }

  /** Reads a dropped page again from its cursor. */
  private refetch(i: number): void {
    const gen = this.generation;
    const p = this.pages[i]!;
    p.loading = true;
    this.client!.api.history(this.query({ after: p.after, limit: p.size })).then(
      (page) => {
        p.loading = false;
        if (gen !== this.generation) return;
        const prevDay = this.pages[i - 1]?.lastDay ?? '';
        const next = this.page(page.calls, p.after, p.next, prevDay);
        this.pages = this.pages.map((q, j) => (j === i ? next : q));
      },
      (error: Error) => {
        p.loading = false;
        if (gen === this.generation) this.loadError = t.history.couldNotRead(error.message);
      },
    );
  }

  /** New calls reached the store: read the head again and put what is new on top. */
  private refreshHead(): void {
    const api = this.client?.api;
    const head = this.pages[0];
    if (!api || !head?.calls) {
      if (!head) this.reload();
      return;
    }
    const gen = this.generation;
    api.history(this.query({ limit: 50 })).then((page) => {
      if (gen !== this.generation) return;
      const current = this.pages[0];
      if (!current?.calls) return;
      const fresh = new Set(page.calls.map((c) => c.id));
      const oldest = page.calls.at(-1)?.startedAt ?? Infinity;
      // Everything the fresh read covers comes from it; older records of the head stay, so the
      // next page's cursor still joins on.
      const kept = page.next ? current.calls.filter((c) => !fresh.has(c.id) && c.startedAt <= oldest) : [];
      const calls = [...page.calls, ...kept];
      const pages = page.next ? [...this.pages] : [];
      pages[0] = this.page(calls, undefined, page.next ? current.next : undefined, '');
      this.pages = pages;
      this.activeId ??= calls[0]?.id;
      this.fill();
    }, () => undefined);
  }

  // ---- Live changes -------------------------------------------------------------------------

  private remember(): void {
    for (const c of this.client?.calls.values() ?? []) this.versions.set(c.id, c.version);
  }

  /** A record changed in the hub: replace it where shown; a call we do not show yet means new calls. */
  private readonly onClientChange = () => {
    let fresh = false;
    let replaced = false;
    for (const c of this.client!.calls.values()) {
      if (this.versions.get(c.id) === c.version) continue;
      this.versions.set(c.id, c.version);
      let shown = false;
      for (const p of this.pages) {
        const i = p.calls?.findIndex((x) => x.id === c.id) ?? -1;
        if (i >= 0) {
          shown = true;
          if (p.calls![i]!.version < c.version) {
            p.calls = p.calls!.map((x, j) => (j === i ? c : x));
            replaced = true;
          }
        }
      }
      if (!shown) fresh = true;
    }
    if (replaced) this.pages = [...this.pages];
    if (fresh && this.loaded) {
      clearTimeout(this.headTimer);
      this.headTimer = setTimeout(() => this.refreshHead(), 250);
    }
  };

  // ---- Interaction --------------------------------------------------------------------------

  private setFilter(filter: HistoryFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.reload();
  }

  private onSearch(e: Event): void {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      if (value === this.search) return;
      this.search = value;
      this.reload();
    }, 200);
  }

  private onScroll(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => {
      this.scrolled = this.viewport?.scrollTop ?? 0;
      this.fill();
    });
  }

  /** Every call row in order, with its offset (pages whose records were dropped have none). */
  private layout(): { rows: Row[]; height: number; count: number } {
    const rows: Row[] = [];
    let y = 0;
    let count = 0;
    let prevDay = '';
    for (const p of this.pages) {
      if (p.calls) {
        const laid = this.rowsOf(p.calls, prevDay);
        for (const r of laid.rows) rows.push(r.kind === 'call' ? { ...r, top: r.top + y, index: r.index + count } : { ...r, top: r.top + y });
        p.height = laid.height;
      }
      y += p.height;
      count += p.size;
      prevDay = p.lastDay;
    }
    return { rows, height: y, count };
  }

  private async moveFocus(rows: Row[], from: string, key: string): Promise<void> {
    const calls = rows.filter((r): r is Extract<Row, { kind: 'call' }> => r.kind === 'call');
    const at = calls.findIndex((r) => r.call.id === from);
    if (at < 0) return;
    const perPage = Math.max(1, Math.floor(this.viewHeight / ROW) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + perPage, PageUp: at - perPage, Home: 0, End: calls.length - 1 }[key];
    if (to === undefined) return;
    const target = calls[Math.max(0, Math.min(calls.length - 1, to))];
    if (!target) return;
    this.activeId = target.call.id;
    const v = this.viewport!;
    if (target.top < v.scrollTop) v.scrollTop = target.top - (target.index > 0 ? 0 : DAY);
    else if (target.top + ROW > v.scrollTop + v.clientHeight) v.scrollTop = target.top + ROW - v.clientHeight;
    this.scrolled = v.scrollTop;
    this.fill();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(target.call.id)}"]`)?.focus();
  }

  private onListKey(e: KeyboardEvent, rows: Row[]): void {
    const id = (e.target as HTMLElement).dataset['id'];
    if (!id || !['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    void this.moveFocus(rows, id, e.key);
  }

  private open(call: CallRecord): void {
    this.activeId = call.id;
    if (!this.wide) this.savedScroll = this.viewport?.scrollTop ?? 0;
    this.openId = call.id;
  }

  private async closeDetail(): Promise<void> {
    const id = this.openId;
    this.openId = undefined;
    await this.updateComplete;
    if (this.viewport && !this.wide) {
      this.viewport.scrollTop = this.savedScroll;
      this.scrolled = this.savedScroll;
      this.measure();
      await this.updateComplete;
    }
    if (id) this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  // ---- Your data ----------------------------------------------------------------------------

  private async exportAs(format: ExportFormat): Promise<void> {
    this.dataMessage = '';
    this.dataError = '';
    try {
      const q = this.exportAll ? {} : this.query();
      const text = await this.client!.api.exportHistory({ ...q, format });
      const blob = new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `patchbay-history-${new Date().toISOString().slice(0, 10)}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.dataMessage = t.history.exported(format.toUpperCase(), this.exportAll);
    } catch (error) {
      this.dataError = this.errorText(error as Error, t.history.exportFailed);
    }
  }

  private async importFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    // An export of a million calls is a few hundred MB; a file past this is no export, and reading it
    // whole would take the tab's memory with it.
    if (file.size > MAX_IMPORT_BYTES) {
      this.dataMessage = '';
      this.dataError = t.history.tooBig(file.name, Math.round(file.size / 2 ** 20), MAX_IMPORT_BYTES / 2 ** 20);
      input.value = '';
      return;
    }
    this.dataMessage = t.history.importing(file.name);
    this.dataError = '';
    try {
      const { added, skipped } = await this.client!.api.importHistory(await file.text());
      this.dataMessage = t.history.imported(added, skipped);
    } catch (error) {
      this.dataMessage = '';
      this.dataError = this.errorText(error as Error, t.history.importFailed);
    } finally {
      input.value = '';
      this.reload();
      void this.readStorage();
    }
  }

  private errorText(error: Error, what: string): string {
    if (error.name === 'QuotaExceeded') {
      return /storage is full/i.test(error.message)
        ? error.message
        : t.history.storageFull(error.message);
    }
    return t.history.failed(what, error.message);
  }

  private async readStorage(): Promise<void> {
    try {
      this.storage = await this.client!.api.storageInfo();
    } catch (error) {
      this.dataError = this.errorText(error as Error, t.history.couldNotReadStorage);
    }
    this.persisted ??= await navigator.storage?.persisted?.().catch(() => undefined);
  }

  private async persist(): Promise<void> {
    try {
      this.persisted = await navigator.storage.persist();
    } catch (error) {
      this.dataError = t.history.couldNotPersist((error as Error).message);
    }
  }

  // ---- Rendering ----------------------------------------------------------------------------

  private row(r: Row, setsize: number) {
    if (r.kind === 'day') {
      return html`<div class="item day" role="listitem" ${at(r.top)}><h3>${r.label}</h3></div>`;
    }
    const c = r.call;
    const outcome = c.outcome ?? c.state;
    const secs = c.outcome === 'answered' ? c.talkSeconds : undefined;
    const name = who(c);
    const number = c.remote.number && c.remote.number !== name ? c.remote.number : '';
    const extra = [number, c.subject, secs !== undefined ? duration(secs) : c.ringSeconds ? t.history.rang(duration(c.ringSeconds)) : '', logBadge(c)]
      .filter(Boolean)
      .join(' · ');
    return html`<div class="item" role="listitem" aria-posinset=${r.index + 1} aria-setsize=${setsize}
      ${at(r.top)} data-outcome=${outcome}>
      <button class="row" data-id=${c.id} tabindex=${c.id === this.activeId ? 0 : -1}
        aria-current=${c.id === this.openId ? 'true' : 'false'} @focus=${() => (this.activeId = c.id)}
        @click=${() => this.open(c)}>
        <span class="icons">
          ${c.kind === 'lookup'
            ? icon('lookup', t.calls.lookup)
            : html`${icon(c.direction, directionLabel(c))}${icon(c.state === 'ended' ? outcome : 'live', outcomeLabel(c), 'out')}`}
        </span>
        <span class="text"><span class="name">${name}</span><span class="meta">${extra}</span></span>
        <span class="when">${timeOfDay(c.startedAt)}</span>
      </button>
    </div>`;
  }

  private list() {
    const { rows, height, count } = this.layout();
    const end = this.pages.at(-1);
    const more = !!end?.next;
    const top = this.scrolled - OVERSCAN;
    const bottom = this.scrolled + this.viewHeight + OVERSCAN;
    const visible = rows.filter((r) => (r.top + ROW >= top && r.top <= bottom) || (r.kind === 'call' && r.call.id === this.activeId));
    return html`<div class="viewport" @scroll=${this.onScroll}>
      <div role="list" aria-label=${t.history.list} ${cssProps({ height: `${height}px` })} @keydown=${(e: KeyboardEvent) => this.onListKey(e, rows)}>
        ${repeat(visible, (r) => r.key, (r) => this.row(r, more ? -1 : count))}
      </div>
      ${more ? html`<div class="more muted">${t.history.loading}</div>` : nothing}
      ${this.loaded && !count && !this.loadError
        ? html`<p class="empty muted">${this.search.trim() ? t.history.noMatch(this.search.trim()) : this.filter === 'all' ? t.history.noCalls : t.history.noCallsHere}</p>`
        : nothing}
      ${!this.loaded ? html`<p class="empty muted">${t.history.loading}</p>` : nothing}
    </div>`;
  }

  private data() {
    const s = this.storage;
    return html`<details class="card" @toggle=${(e: Event) => (e.target as HTMLDetailsElement).open && this.readStorage()}>
      <summary>${t.history.data}</summary>
      <div class="data">
        <fieldset>
          <legend>${t.history.export}</legend>
          <label><input type="radio" name="scope" .checked=${!this.exportAll} @change=${() => (this.exportAll = false)} />${t.history.thisView}</label>
          <label><input type="radio" name="scope" .checked=${this.exportAll} @change=${() => (this.exportAll = true)} />${t.history.allCalls}</label>
        </fieldset>
        <div class="actions">
          <button @click=${() => this.exportAs('csv')}>${t.history.exportCsv}</button>
          <button @click=${() => this.exportAs('json')}>${t.history.exportJson}</button>
          <label class="file"><span>${t.history.importJson}</span>
            <input type="file" accept=".json,application/json" aria-label=${t.history.import} @change=${this.importFile} /></label>
        </div>
        <p role="status">${this.dataMessage}</p>
        ${this.dataError ? html`<p role="alert" class="bad">${this.dataError}</p>` : nothing}
        <p>${s
          ? t.history.storage(s.records, s.usage !== undefined ? t.history.bytes(s.usage) : undefined, s.quota ? t.history.bytes(s.quota) : undefined)
          : nothing}
          ${this.persisted === true
            ? t.history.persisted
            : this.persisted === false
            ? t.history.notPersisted
            : nothing}</p>
        <div class="actions">
          <button ?disabled=${this.persisted === true} @click=${this.persist}>${t.history.keepHistory}</button>
        </div>
      </div>
    </details>`;
  }

  override render() {
    if (!this.client) return nothing;
    const open = this.openId;
    const split = this.wide;
    return html`<div class="layout ${split ? 'split' : ''}">
      <section class="pane card" aria-labelledby="h" ?hidden=${!!open && !this.wide}>
        <h2 id="h">${t.history.title}</h2>
        <div class="filters" role="group" aria-label=${t.history.show}>
          ${FILTERS.map(
            (f) => html`<button aria-pressed=${this.filter === f ? 'true' : 'false'} @click=${() => this.setFilter(f)}>${t.history.filters[f]}</button>`,
          )}
        </div>
        <input type="search" aria-label=${t.history.search} placeholder=${t.history.searchPlaceholder} .value=${this.search}
          @input=${this.onSearch} @search=${this.onSearch} />
        ${this.loadError ? html`<p class="error" role="alert">${this.loadError} <button @click=${() => this.reload()}>${t.history.retry}</button></p>` : nothing}
        ${this.list()}
      </section>
      ${open
        ? html`<pb-call-detail .callId=${open} .initial=${this.findCall(open)} ?narrow=${!this.wide} @pb-close=${this.closeDetail}></pb-call-detail>`
        : this.wide
        ? html`<p class="card placeholder muted">${t.history.chooseCall}</p>`
        : nothing}
      ${open && !this.wide ? nothing : this.data()}
    </div>`;
  }

  private findCall(id: string): CallRecord | undefined {
    for (const p of this.pages) {
      const c = p.calls?.find((x) => x.id === id);
      if (c) return c;
    }
    return this.client?.calls.get(id);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-history': PbHistory;
  }
}
