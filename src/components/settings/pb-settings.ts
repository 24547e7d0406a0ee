import { html, css, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import './pb-phone-links.ts';
import { theme } from '../theme.ts';

/** "Keep history" choices: days (empty: forever). */
const RETENTION: [number | '', string][] = [
  ['', 'Forever'],
  [365, '1 year'],
  [90, '90 days'],
  [30, '30 days'],
];

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let zoneList: string[] | undefined;
/** Every time zone `Intl` knows, read once. */
function zones(): string[] {
  zoneList ??= (Intl as unknown as { supportedValuesOf?(key: string): string[] }).supportedValuesOf?.('timeZone') ?? [browserZone];
  return zoneList;
}

/**
 * @summary The hub's settings, shared by every tab: ringtone, the country for local numbers, how long
 * history is kept, the time zone and clock times are shown in.
 */
@customElement('pb-settings')
export class PbSettings extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  /** The speakers this device has, read when the settings open (their names need the microphone allowed). */
  @state() private outputs: MediaDeviceInfo[] = [];
  static override styles = [
    theme,
    css`
      .body { display: grid; gap: 10px; margin-top: 10px; }
      label { display: flex; gap: 8px; align-items: center; }
      label.field { display: grid; gap: 4px; }
      input[type='checkbox'] { width: auto; min-height: 0; }
      .country { max-width: 6em; text-transform: uppercase; }
      select { font: inherit; color: var(--pb-text); background: var(--pb-surface); border: 1px solid var(--pb-border);
               border-radius: 8px; padding: 0.45em 0.6em; min-height: 40px; max-width: 12em; }
    `,
  ];

  private async readOutputs(): Promise<void> {
    const all = await navigator.mediaDevices?.enumerateDevices().catch(() => [] as MediaDeviceInfo[]) ?? [];
    this.outputs = all.filter((d) => d.kind === 'audiooutput' && d.deviceId !== 'default' && d.deviceId !== 'communications');
  }

  override render() {
    const s = this.client?.status.settings;
    if (!s) return html``;
    const api = this.client!.api;
    const canChoose = 'setSinkId' in HTMLMediaElement.prototype;
    const output = (key: 'ringDevice' | 'callDevice', label: string) => html`<label class="field">${label}
      <select @change=${(e: Event) => this.run(() => api.updateSettings({ [key]: (e.target as HTMLSelectElement).value || undefined }))}>
        <option value="" ?selected=${!s[key]}>The system's default</option>
        ${this.outputs.map((d, i) => html`<option value=${d.deviceId} ?selected=${s[key] === d.deviceId}>${d.label || `Speaker ${i + 1}`}</option>`)}
      </select>
    </label>`;
    return html`<details class="card" @toggle=${(e: Event) => (e.target as HTMLDetailsElement).open && canChoose && void this.readOutputs()}>
      <summary>Settings</summary>
      <div class="body">
        <label><input type="checkbox" .checked=${s.ringtone}
          @change=${(e: Event) => this.run(() => api.updateSettings({ ringtone: (e.target as HTMLInputElement).checked }))} />
          Ringtone</label>
        <label class="field">Country for local numbers
          <input class="country" maxlength="2" placeholder="GB" .value=${s.defaultCountry ?? ''}
            @change=${(e: Event) => this.run(() => api.updateSettings({ defaultCountry: (e.target as HTMLInputElement).value.trim() }))} />
        </label>
        <label class="field">Keep history
          <select .value=${String(s.retentionDays ?? '')}
            @change=${(e: Event) => {
              const days = Number((e.target as HTMLSelectElement).value);
              return this.run(() => api.updateSettings({ retentionDays: days > 0 ? days : undefined }));
            }}>
            ${RETENTION.map(([days, label]) => html`<option value=${days} ?selected=${(s.retentionDays ?? '') === days}>${label}</option>`)}
          </select>
        </label>
        <label class="field">Time zone
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ timeZone: (e.target as HTMLSelectElement).value || undefined }))}>
            <option value="" ?selected=${!s.timeZone}>This device's (${browserZone})</option>
            ${zones().map((z) => html`<option value=${z} ?selected=${s.timeZone === z}>${z.replaceAll('_', ' ')}</option>`)}
          </select>
        </label>
        <label class="field">Clock
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ hourCycle: ((e.target as HTMLSelectElement).value || undefined) as 'h12' | undefined }))}>
            <option value="" ?selected=${!s.hourCycle}>As the language has it</option>
            <option value="h12" ?selected=${s.hourCycle === 'h12'}>12-hour (3:05 PM)</option>
            <option value="h23" ?selected=${s.hourCycle === 'h23'}>24-hour (15:05)</option>
          </select>
        </label>
        ${canChoose && this.outputs.length > 1
          ? html`${output('ringDevice', 'Ringtone plays on')}${output('callDevice', 'Calls play on')}`
          : nothing}
        <pb-phone-links></pb-phone-links>
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-settings': PbSettings;
  }
}
