import { html, css, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { DemoMessage } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';
import { time } from '../format.ts';

/** Google's answer comes back to our redirect page, which passes it on this channel (same origin only). */
const OAUTH_CHANNEL = 'patchbay-oauth';
/** The static page Google redirects to (public/oauth.html). */
const REDIRECT_PAGE = 'oauth.html';

/** The wrap-up's choices, in seconds; their names are `t.callLogging.wrapUpTimes`. */
const WRAP_UP = [0, 30, 120, 300, 900] as const;

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
      else throw new Error(t.callLogging.popupBlocked);
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
    const words = t.callLogging.gmail;
    const gmail = {
      unavailable: s.demo ? words.unavailableDemo : words.unavailable,
      disconnected: words.disconnected,
      connected: logging.demoMailbox ? words.connectedDemo : words.connected,
      expired: words.expired,
    }[logging.gmail];
    return html`<details class="card">
      <summary>${t.callLogging.title}</summary>
      <div class="body">
        <p class="muted">${t.callLogging.intro}</p>
        <div class="row">
          <span role="status">${gmail}</span>
          ${logging.gmail === 'disconnected' ? html`<button @click=${() => this.connectGmail()}>${t.callLogging.connect}</button>` : nothing}
          ${logging.gmail === 'expired' ? html`<button class="primary" @click=${() => this.connectGmail()}>${t.callLogging.reconnect}</button>` : nothing}
          ${logging.gmail === 'connected'
            ? html`<button @click=${() => this.run(async () => {
                this.mailbox = undefined;
                await api.disconnectGmail();
              })}>${t.callLogging.disconnect}</button>`
            : nothing}
          ${s.demo && !logging.demoMailbox
            ? html`<button @click=${() => this.run(async () => {
                await api.connectDemoMailbox();
                await this.loadMailbox();
              })}>${t.callLogging.connectDemo}</button>`
            : nothing}
          ${this.consenting ? html`<span class="muted">${t.callLogging.waitingForGoogle}</span>` : nothing}
        </div>
        ${logging.webhooks ? html`<p>${t.callLogging.webhooks(logging.webhooks)}</p>` : nothing}
        <label class="field">${t.callLogging.log}
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ logCalls: (e.target as HTMLSelectElement).value as 'all' }))}>
            <option value="all" ?selected=${(settings.logCalls ?? 'all') === 'all'}>${t.callLogging.logAll}</option>
            <option value="matched" ?selected=${settings.logCalls === 'matched'}>${t.callLogging.logMatched}</option>
            <option value="none" ?selected=${settings.logCalls === 'none'}>${t.callLogging.logNone}</option>
          </select>
        </label>
        <label class="field">${t.callLogging.wrapUp}
          <select @change=${(e: Event) => this.run(() => api.updateSettings({ wrapUpSeconds: Number((e.target as HTMLSelectElement).value) }))}>
            ${WRAP_UP.map((seconds) => html`<option value=${seconds} ?selected=${(settings.wrapUpSeconds ?? 120) === seconds}>${t.callLogging.wrapUpTimes[seconds]}</option>`)}
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
    return html`<section aria-label=${t.callLogging.demoMailbox}>
      <h3>${t.callLogging.demoMailbox}</h3>
      ${this.mailbox.length
        ? html`<ol class="mail">
            ${this.mailbox.map((m) => html`<li>
              <div class="subject">${m.subject}</div>
              <div class="muted">${time(m.date)} · ${m.from}</div>
              <div>${m.labelNames.map((l) => html`<span class="label">${l}</span>`)}</div>
            </li>`)}
          </ol>`
        : html`<p class="muted">${t.callLogging.mailboxEmpty}</p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-call-logging': PbCallLogging;
  }
}
