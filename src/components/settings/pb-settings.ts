import { html, css, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import './pb-phone-links.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** "Keep history" choices: days (empty: forever); their names are `t.settings.retention`. */
const RETENTION = ['', 365, 90, 30] as const;

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
        <option value="" ?selected=${!s[key]}>${t.settings.systemDefault}</option>
        ${this.outputs.map((d, i) => html`<option value=${d.deviceId} ?selected=${s[key] === d.deviceId}>${d.label || t.settings.speaker(i + 1)}</option>`)}
      </select>
    </label>`;
    return html`<details class="card" @toggle=${(e: Event) => (e.target as HTMLDetailsElement).open && canChoose && void this.readOutputs()}>
      <summary>${t.settings.title}</summary>
      <div class="body">
        <label><input type="checkbox" .checked=${s.ringtone}
          @change=${(e: Event) => this.run(() => api.updateSettings({ ringtone: (e.target as HTMLInputElement).checked }))} />
          ${t.settings.ringtone}</label>
        <label class="field">${t.settings.country}
          <input class="country" maxlength="2" placeholder=${t.settings.countryPlaceholder} .value=${s.defaultCountry ?? ''}
            @change=${(e: Event) => this.run(() => api.updateSettings({ defaultCountry: (e.target as HTMLInputElement).value.trim() }))} />
        </label>
        <label class="field">${t.settings.keepHistory}
          <select .value=${String(s.retentionDays ?? '')}
            @change=${(e: Event) => {
              const days = Number((e.target as HTMLSelectElement).value);
              return this.run(() => api.updateSettings({ retentionDays: days > 0 ? days : undefined }));
            }}>
            ${RETENTION.map((days) => html`<option value=${days} ?selected=${(s.retentionDays ?? '') === days}>${days === '' ? t.settings.retention.forever : t.settings.retention[days]}</option>`)}
          </select>
        </label>
        <label class="field">${t.settings.timeZone}
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ timeZone: (e.target as HTMLSelectElement).value || undefined }))}>
            <option value="" ?selected=${!s.timeZone}>${t.settings.deviceZone(browserZone)}</option>
            ${zones().map((z) => html`<option value=${z} ?selected=${s.timeZone === z}>${z.replaceAll('_', ' ')}</option>`)}
          </select>
        </label>
        <label class="field">${t.settings.clock}
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ hourCycle: ((e.target as HTMLSelectElement).value || undefined) as 'h12' | undefined }))}>
            <option value="" ?selected=${!s.hourCycle}>${t.settings.clockDefault}</option>
            <option value="h12" ?selected=${s.hourCycle === 'h12'}>${t.settings.clock12}</option>
            <option value="h23" ?selected=${s.hourCycle === 'h23'}>${t.settings.clock24}</option>
          </select>
        </label>
        ${canChoose && this.outputs.length > 1
          ? html`${output('ringDevice', t.settings.ringtonePlaysOn)}${output('callDevice', t.settings.callsPlayOn)}`
          : nothing}
        <pb-phone-links></pb-phone-links>
        <p class="hub-mode">${t.settings.hubMode[this.client!.mode]}</p>
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-settings': PbSettings;
  }
}
