import { html, css, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { DemoMessage } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { theme } from '../theme.ts';
import { time } from '../format.ts';

/** Google's answer comes back to our redirect page, which passes it on this channel (same origin only). */
const OAUTH_CHANNEL = 'patchbay-oauth';
/** The static page Google redirects to (public/oauth.html). */
const REDIRECT_PAGE = 'oauth.html';

const WRAP_UP: [number, string][] = [
  [0, 'Log at once'],
  [30, '30 seconds'],
  [120, '2 minutes'],
  [300, '5 minutes'],
  [900, '15 minutes'],
];

/**
 * @summary Call logging: Gmail's connection (Connect, Reconnect, Disconnect; the demo's stand-in mailbox),
 * the site's webhooks, which calls are logged, and how long the wrap-up lasts before a call is logged.
 */
@customElement('pb-call-logging')
export class PbCallLogging extends HubElement {
  protected static override slices: readonly Slice[] = ['status', 'calls'];
  @state() private mailbox: DemoMessage[] | undefined;
  @state() private consenting = false;
  private channel: BroadcastChannel | undefined;
  /** The calls seen delivered to Gmail, to read the demo mailbox again when one more is. */
  private delivered = '';

  static override styles = [
    theme,
    css`
      .body { display: grid; gap: 10px; margin-top: 10px; }
      .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      label.field { display: grid; gap: 4px; }
      select { font: inherit; color: var(--pb-text); background: var(--pb-surface); border: 1px solid var(--pb-border);
               border-radius: 8px; padding: 0.45em 0.6em; min-height: 40px; max-width: 16em; }
      h3 { font-size: 1em; margin: 6px 0 0; }
      ol.mail { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; max-height: 20em; overflow: auto; }
      ol.mail li { border: 1px solid var(--pb-border); border-radius: 8px; padding: 6px 8px; }
      .subject { font-weight: 600; overflow-wrap: anywhere; }
      .label { display: inline-block; font-size: 0.8em; border: 1px solid var(--pb-border); border-radius: 999px; padding: 0 6px; margin-right: 4px; }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.channel?.close();
  }

  protected override updated(): void {
    // The demo mailbox follows the calls: one more logged to Gmail, and it is read again.
    if (!this.client?.status.logging.demoMailbox || !this.mailbox) return;
    const delivered = [...this.client.calls.values()].filter((c) => c.log?.gmail?.status === 'sent').map((c) => c.id).join();
    if (delivered !== this.delivered) {
      this.delivered = delivered;
      void this.loadMailbox();
    }
  }

  /** Opens Google's consent page in a popup, from the click (a popup opened later is blocked). */
  private connectGmail(): void {
    const popup = window.open('', 'patchbay-gmail', 'popup,width=520,height=680');
    void this.run(async () => {
      const redirect = new URL(REDIRECT_PAGE, document.baseURI).href;
      let url: string;
      try {
        url = await this.client!.api.gmailAuthorization(redirect);
      } catch (error) {
        popup?.close();
        throw error;
      }
      this.channel?.close();
      const channel = (this.channel = new BroadcastChannel(OAUTH_CHANNEL));
      this.consenting = true;
      channel.onmessage = (event: MessageEvent<{ fragment?: unknown }>) => {
        if (typeof event.data?.fragment !== 'string') return;
        channel.close();
        this.consenting = false;
        void this.run(() => this.client!.api.gmailAuthorized(event.data.fragment as string));
      };
      if (popup) popup.location.href = url;
      // No popup (blocked): the consent page in this tab's place would lose the call panel; say so.
      else throw new Error('The browser blocked the Google sign-in window: allow pop-ups for this site and try again');
    });
  }

  private async loadMailbox(): Promise<void> {
    try {
      this.mailbox = await this.client!.api.demoMailbox();
    } catch {
      this.mailbox = undefined;
    }
  }

  override render() {
    const s = this.client?.status;
    if (!s) return nothing;
    const api = this.client!.api;
    const { logging, settings } = s;
    const gmail = {
      unavailable: s.demo ? 'Gmail: not connected (demo)' : 'Gmail: not set up on this site',
      disconnected: 'Gmail: not connected',
      connected: logging.demoMailbox ? 'Gmail: connected (demo mailbox)' : 'Gmail: connected',
      expired: 'Gmail: the connection ran out. Calls wait to be logged until you reconnect.',
    }[logging.gmail];
    return html`<details class="card">
      <summary>Call logging</summary>
      <div class="body">
        <p class="muted">Each call is filed once its wrap-up is over: in Gmail with the labels
          Voice calls/Incoming, Outbound or Missed, and to your organisation's webhooks.</p>
        <div class="row">
          <span role="status">${gmail}</span>
          ${logging.gmail === 'disconnected' ? html`<button @click=${() => this.connectGmail()}>Connect Gmail</button>` : nothing}
          ${logging.gmail === 'expired' ? html`<button class="primary" @click=${() => this.connectGmail()}>Reconnect Gmail</button>` : nothing}
          ${logging.gmail === 'connected'
            ? html`<button @click=${() => this.run(async () => {
                this.mailbox = undefined;
                await api.disconnectGmail();
              })}>Disconnect Gmail</button>`
            : nothing}
          ${s.demo && !logging.demoMailbox
            ? html`<button @click=${() => this.run(async () => {
                await api.connectDemoMailbox();
                await this.loadMailbox();
              })}>Connect Gmail (demo mailbox)</button>`
            : nothing}
          ${this.consenting ? html`<span class="muted">Waiting for Google…</span>` : nothing}
        </div>
        ${logging.webhooks ? html`<p>Webhooks: ${logging.webhooks} from the site's configuration</p>` : nothing}
        <label class="field">Log
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ logCalls: (e.target as HTMLSelectElement).value as 'all' }))}>
            <option value="all" ?selected=${(settings.logCalls ?? 'all') === 'all'}>Every call</option>
            <option value="matched" ?selected=${settings.logCalls === 'matched'}>Calls a contact or an app recognised</option>
            <option value="none" ?selected=${settings.logCalls === 'none'}>No calls</option>
          </select>
        </label>
        <label class="field">Wrap-up before a call is logged
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ wrapUpSeconds: Number((e.target as HTMLSelectElement).value) }))}>
            ${WRAP_UP.map(([seconds, label]) => html`<option value=${seconds} ?selected=${(settings.wrapUpSeconds ?? 120) === seconds}>${label}</option>`)}
          </select>
        </label>
        ${logging.demoMailbox ? this.renderMailbox() : nothing}
      </div>
    </details>`;
  }

  private renderMailbox() {
    if (!this.mailbox) {
      void this.loadMailbox();
      return nothing;
    }
    return html`<section aria-label="Demo mailbox">
      <h3>Demo mailbox</h3>
      ${this.mailbox.length
        ? html`<ol class="mail">
            ${this.mailbox.map((m) => html`<li>
              <div class="subject">${m.subject}</div>
              <div class="muted">${time(m.date)} · ${m.from}</div>
              <div>${m.labelNames.map((l) => html`<span class="label">${l}</span>`)}</div>
            </li>`)}
          </ol>`
        : html`<p class="muted">No calls logged yet: finish a call, and it appears here once its wrap-up is over.</p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-call-logging': PbCallLogging;
  }
}
