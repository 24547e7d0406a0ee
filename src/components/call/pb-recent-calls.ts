import { html, css, type PropertyValues } from 'lit';
import { customElement } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { CallRecord } from '../../shared/api.ts';
import { callBackTarget, describe, duration, time, who } from '../format.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

const icon: Record<string, string> = { inbound: '↙', outbound: '↗' };

/**
 * @summary The most recent calls, newest first, with a call-back button each.
 */
@customElement('pb-recent-calls')
export class PbRecentCalls extends HubElement {
  protected static override slices: readonly Slice[] = ['calls'];
  static override styles = [
    theme,
    css`
      h2 { font-size: 1em; margin: 0 0 8px; }
      ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
      li { display: grid; grid-template-columns: 1.5em 1fr auto; gap: 4px 8px; align-items: center;
           padding: 8px 6px; border-bottom: 1px solid var(--pb-border); }
      .who { font-weight: 600; overflow-wrap: anywhere; }
      .meta { grid-column: 2; font-size: 0.85em; }
      .icon { grid-row: span 2; font-size: 1.1em; text-align: center; }
      [data-outcome='missed'] .icon, [data-outcome='missed'] .who { color: var(--pb-bad); }
      .actions { grid-row: span 2; grid-column: 3; display: flex; gap: 4px; }
      .empty { margin: 0; }
    `,
  ];

  /**
   * The calls last rendered, by id and version, with their times as shown (the time zone and the clock
   * come from the settings, and a time shows its date once it is not today's): a change to live calls
   * only, such as a call ringing, renders nothing here.
   */
  private shown = '';

  private list(): CallRecord[] {
    return this.client?.recentCalls.filter((c) => c.state === 'ended' && c.kind !== 'lookup').slice(0, 30) ?? [];
  }

  protected override shouldUpdate(changed: PropertyValues): boolean {
    const shown = this.list().map((c) => `${c.id}@${c.version} ${time(c.startedAt)}`).join('\n');
    if (shown === this.shown && this.hasUpdated && changed.size === 0) return false;
    this.shown = shown;
    return true;
  }

  private item(c: CallRecord) {
    const secs = c.talkSeconds ?? (c.state === 'ended' ? 0 : undefined);
    return html`<li data-outcome=${c.outcome ?? c.state}>
      <span class="icon" aria-hidden="true">${icon[c.direction]}</span>
      <span class="who">${who(c)}</span>
      <span class="actions">
        <button aria-label=${t.call.openForAppsLabel(who(c))} title=${t.call.openTitle}
          @click=${() => this.run(() => this.client!.api.openCall(c.id))}>${t.call.open}</button>
        <button aria-label=${t.call.callBackLabel(who(c))} @click=${() => this.run(() => this.client!.api.dial(callBackTarget(c)))}>${t.call.callBack}</button>
      </span>
      <span class="meta muted">${describe(c)} · ${time(c.startedAt)}${secs !== undefined && c.outcome === 'answered' ? ` · ${duration(secs)}` : ''}</span>
    </li>`;
  }

  override render() {
    const calls = this.list();
    return html`<section class="card">
      <h2 id="recent">${t.call.recent}</h2>
      ${calls.length
        ? html`<ul aria-labelledby="recent">${repeat(calls, (c) => c.id, (c) => this.item(c))}</ul>`
        : html`<ul aria-labelledby="recent"></ul><p class="empty muted">${t.call.noCalls}</p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-recent-calls': PbRecentCalls;
  }
}
