import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { AppEntry } from '../../shared/api.ts';
import { RESERVED_APP_IDS } from '../../shared/app-ids.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/** The grants a user can give an app they add, in order; their words are `t.apps.grants`. */
const GRANTS = ['read', 'write:contact', 'write:notes', 'write:tags', 'write:ticket', 'write:account', 'write:opportunity', 'dial'] as const;

function slug(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'app';
}

/**
 * @summary The apps shown in the panel: the administrator's (config.json) and the user's own, which
 * the user can add (address and grants) and remove.
 */
@customElement('pb-app-settings')
export class PbAppSettings extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  @state() private error = '';

  static override styles = [
    theme,
    css`
      .body { display: grid; gap: 10px; margin-top: 10px; }
      ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
      li { display: flex; justify-content: space-between; gap: 8px; align-items: center; flex-wrap: wrap; }
      .grants { font-size: 0.85em; }
      form { display: grid; gap: 8px; }
      label { display: grid; gap: 4px; }
      fieldset { border: 1px solid var(--pb-border); border-radius: 8px; display: grid; gap: 4px; }
      fieldset label { display: flex; gap: 8px; align-items: center; }
      input[type='checkbox'] { width: auto; min-height: 0; }
      .error { color: var(--pb-bad); margin: 0; }
    `,
  ];

  private get userApps(): AppEntry[] {
    return this.client?.status.settings.apps ?? [];
  }

  private async save(apps: AppEntry[]) {
    this.error = '';
    try {
      await this.client!.api.updateSettings({ apps });
      return true;
    } catch (error) {
      this.error = (error as Error).message;
      return false;
    }
  }

  private add(e: Event) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const url = String(data.get('url') ?? '').trim();
    // Never an id Patchbay keeps for itself: an app called "User" must not pass as the user.
    const taken = new Set([...RESERVED_APP_IDS, ...(this.client?.status.apps ?? []).map((a) => a.id)]);
    let id = slug(name);
    for (let i = 2; taken.has(id); i++) id = `${slug(name).slice(0, 36)}-${i}`;
    const app: AppEntry = { id, name, url, grants: data.getAll('grant').map(String), source: 'user' };
    void this.save([...this.userApps, app]).then((ok) => ok && form.reset());
  }

  override render() {
    const apps = this.client?.status.apps ?? [];
    return html`<details class="card">
      <summary>${t.apps.title}</summary>
      <div class="body">
        <ul aria-label=${t.apps.inPanel}>
          ${apps.map(
            (app) => html`<li>
              <span>${app.name} <span class="muted">${new URL(app.url).origin}</span><br />
                <span class="grants muted">${app.grants.join(', ') || t.apps.noGrants}</span></span>
              ${app.source === 'user'
                ? html`<button aria-label=${t.apps.removeName(app.name)} @click=${() => void this.save(this.userApps.filter((a) => a.id !== app.id))}>${t.apps.remove}</button>`
                : html`<span class="muted">${t.apps.byAdministrator}</span>`}
            </li>`,
          )}
        </ul>
        <form @submit=${this.add}>
          <label>${t.apps.appName} <input name="name" required maxlength="60" autocomplete="off" /></label>
          <label>${t.apps.appAddress} <input name="url" type="url" required placeholder=${t.apps.appAddressPlaceholder} /></label>
          <fieldset>
            <legend>${t.apps.mayDo}</legend>
            ${GRANTS.map((g) => html`<label><input type="checkbox" name="grant" value=${g} ?checked=${g === 'read'} />${t.apps.grants[g]}</label>`)}
          </fieldset>
          <button class="primary">${t.apps.add}</button>
          <p class="muted">${t.apps.loadAfterReload}</p>
        </form>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </div>
    </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-app-settings': PbAppSettings;
  }
}
