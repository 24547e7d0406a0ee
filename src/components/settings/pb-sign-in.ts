import { html, css, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SignInOptions } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

export interface SiteConfig {
  server?: string;
  sipDomain?: string;
}

/**
 * @summary Signs in to a SIP-over-WebSocket PBX, or to the built-in demo PBX.
 */
@customElement('pb-sign-in')
export class PbSignIn extends HubElement {
  protected static override slices: readonly Slice[] = ['status'];
  /** Deploy-time defaults from config.json. */
  @property({ attribute: false }) config: SiteConfig = {};
  @state() private busy = false;
  @state() private error = '';
  @state() private prefill: Partial<SignInOptions> = {};
  @state() private placeholder = t.settings.sipAddressPlaceholder;

  static override styles = [
    theme,
    css`
      form { display: grid; gap: 12px; }
      label { display: grid; gap: 4px; font-weight: 600; font-size: 0.9em; }
      .hint { font-weight: normal; }
      .row { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
      .check { display: flex; gap: 8px; align-items: flex-start; }
      .check label { font-weight: 600; font-size: 0.9em; }
      .check p { margin: 2px 0 0; font-size: 0.85em; }
      .check input { width: auto; min-height: 0; margin-top: 4px; }
      .error { color: var(--pb-bad); font-weight: 600; }
      h2 { margin: 0 0 4px; font-size: 1.15em; }
      .demo { border-top: 1px solid var(--pb-border); padding-top: 12px; margin-top: 4px; }
    `,
  ];

  @state() private last: Omit<SignInOptions, 'password'> | undefined;

  override async connectedCallback(): Promise<void> {
    super.connectedCallback();
    const last = await this.client?.api.lastAccount().catch(() => undefined);
    if (last && last.server !== 'wss://demo.patchbay.invalid/ws') this.last = last;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    if (!changed.has('config') && !changed.has('last')) return;
    const domain = this.config.sipDomain;
    this.prefill = this.last ?? { server: this.config.server ?? '', aor: '' };
    this.placeholder = domain ? t.settings.sipAddressAtDomain(domain) : t.settings.sipAddressPlaceholder;
  }

  private async submit(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const value = (k: string) => String(data.get(k) ?? '').trim();
    await this.attempt(() =>
      this.client!.api.signIn({
        server: value('server'),
        aor: this.address(value('aor')),
        username: value('username') || undefined,
        password: String(data.get('password') ?? ''),
        displayName: value('displayName') || undefined,
        remember: data.get('remember') === 'on',
      }),
    );
  }

  /** With a `sipDomain` configured, a bare extension ("1001") is completed to sip:1001@domain. */
  private address(value: string): string {
    const domain = this.config.sipDomain;
    if (domain && value && !value.includes('@')) return `sip:${value.replace(/^sip:/, '')}@${domain}`;
    return value;
  }

  private async attempt(action: () => Promise<void>) {
    this.busy = true;
    this.error = '';
    try {
      await action();
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
  }

  /** The last attempt's error, or why the hub's sign-in failed (e.g. a remembered password went stale). */
  private get failure(): string {
    const s = this.client?.status;
    return this.error || (s?.state === 'failed' ? (s.reason ?? '') : '');
  }

  override render() {
    const p = this.prefill;
    return html`
      <section class="card" aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">${t.settings.signInTitle}</h2>
        <p class="muted">${t.settings.oneSignIn}</p>
        <form @submit=${this.submit}>
          <label>${t.settings.server}
            <input name="server" type="url" required placeholder=${t.settings.serverPlaceholder} .value=${p.server ?? ''} autocomplete="url" />
          </label>
          <label>${t.settings.sipAddress}
            <input name="aor" required placeholder=${this.placeholder} .value=${p.aor ?? ''} autocomplete="username" />
          </label>
          <label>${t.settings.username} <span class="hint muted">${t.settings.usernameHint}</span>
            <input name="username" .value=${p.username ?? ''} autocomplete="off" />
          </label>
          <label>${t.settings.password}
            <input name="password" type="password" required autocomplete="current-password" />
          </label>
          <label>${t.settings.displayName}
            <input name="displayName" .value=${p.displayName ?? ''} autocomplete="name" />
          </label>
          <div class="check">
            <input id="remember" type="checkbox" name="remember" aria-describedby="remember-hint" />
            <div>
              <label for="remember">${t.settings.rememberMe}</label>
              <p id="remember-hint" class="hint muted">${t.settings.rememberHint}</p>
            </div>
          </div>
          ${this.failure ? html`<p class="error" role="alert">${this.failure}</p>` : ''}
          <div class="row">
            <button class="primary" type="submit" ?disabled=${this.busy}>${t.settings.signIn}</button>
          </div>
        </form>
        <div class="demo row">
          <button type="button" ?disabled=${this.busy} @click=${() => this.attempt(() => this.client!.api.signInDemo())}>${t.settings.tryDemo}</button>
          <span class="muted">${t.settings.demoHint}</span>
        </div>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-sign-in': PbSignIn;
  }
}
