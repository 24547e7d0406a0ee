import { ContextProvider } from '@lit/context';
import { html, css } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { hubContext, type HubClient } from './hub-client.ts';
import { HubElement } from './hub-element.ts';
import type { SiteConfig } from './settings/pb-sign-in.ts';
import { theme } from './theme.ts';
import { CallAlerts } from './call/call-alerts.ts';
import { listenForShortcuts, SHORTCUTS, shortcutText } from './keyboard-shortcuts.ts';
import { t } from './strings.ts';
import './call/pb-active-call.ts';
import './apps/pb-app-settings.ts';
import './apps/pb-apps.ts';
import './call/pb-call-record.ts';
import './call/pb-dialpad.ts';
import './history/pb-history.ts';
import './call/pb-dial-request.ts';
import './call/pb-incoming-call.ts';
import './call/pb-recent-calls.ts';
import './settings/pb-settings.ts';
import './settings/pb-call-logging.ts';
import './settings/pb-contacts.ts';
import './settings/pb-sign-in.ts';
import './settings/pb-status.ts';

/**
 * @summary The call panel: sign-in, status, incoming calls, calls in progress, dialpad, recent calls.
 * @fires pb-error - bubbles up from any child whose hub call failed; shown as an alert.
 */
@customElement('patchbay-app')
export class PatchbayApp extends HubElement {
  private readonly provider = new ContextProvider(this, { context: hubContext });

  /** The hub client every child receives through context. */
  set hub(client: HubClient) {
    this.provider.setValue(client);
    this.client = client;
  }
  /** Deploy-time defaults (config.json). */
  @property({ attribute: false }) config: SiteConfig = {};
  /** Which view the panel shows; `?view=history` opens the history (manifest shortcut). */
  @state() view: 'phone' | 'history' = new URLSearchParams(location.search).get('view') === 'history' ? 'history' : 'phone';
  @state() private error = '';
  @query('dialog.shortcuts') private shortcutsDialog?: HTMLDialogElement;
  private stopShortcuts?: () => void;
  /** "Allow notifications" is offered until the user answers it or says "Not now" (kept per profile). */
  @state() private offerNotifications = CallAlerts.askable && localStorage.getItem('patchbay-notifications') !== 'later';
  private errorTimer?: ReturnType<typeof setTimeout>;

  static override styles = [
    theme,
    css`
      :host { display: block; min-height: 100vh; background: var(--pb-bg); }
      .shell { max-width: 440px; margin: 0 auto; padding: 12px; display: grid; gap: 12px; }
      header { display: flex; align-items: center; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
      h1 { font-size: 1.2em; margin: 0; display: flex; align-items: center; gap: 8px; }
      .logo { width: 26px; height: 26px; }
      .banner { padding: 10px 12px; border-radius: var(--pb-radius); display: flex; gap: 8px; align-items: center;
                justify-content: space-between; border: 1px solid var(--pb-border); background: var(--pb-surface); }
      .banner.warn { border-color: var(--pb-warn); }
      .banner .actions { display: flex; gap: 6px; flex-wrap: wrap; }
      .banner.bad { border-color: var(--pb-bad); color: var(--pb-bad); font-weight: 600; }
      .who { font-size: 0.85em; }
      dialog.shortcuts { max-width: 28em; color: var(--pb-text); }
      dialog.shortcuts::backdrop { background: rgb(0 0 0 / 0.4); }
      dialog.shortcuts h2 { font-size: 1.1em; margin: 0 0 6px; }
      dialog.shortcuts dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 12px; }
      dialog.shortcuts dd { margin: 0; }
      kbd { font: inherit; font-family: ui-monospace, monospace; border: 1px solid var(--pb-border); border-radius: 4px; padding: 0 6px; }
      .status { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
      nav { display: flex; gap: 6px; }
      nav button[aria-current='page'] { background: var(--pb-accent); color: var(--pb-accent-text); border-color: var(--pb-accent); }
      .phone { display: grid; gap: 12px; align-items: start; }
      .phone[hidden] { display: none; }
      .left, .right, .calls, .ringing { display: grid; gap: 12px; }
      /* Parts out of view skip layout and paint: a busy line adds and removes ringing cards above them on every change. */
      .record, .apps, .dial, .lookup, .recent, .settings { content-visibility: auto; contain-intrinsic-size: auto 320px; }
      /* One column: what matters during a call first. */
      @media (max-width: 899px) {
        .left, .right { display: contents; }
        .calls { order: 1; } .record { order: 2; } .apps { order: 3; } .dial { order: 4; }
        .lookup { order: 5; } .recent { order: 6; } .settings { order: 7; }
      }
      @media (min-width: 900px) {
        .shell { max-width: 1120px; grid-template-columns: 1fr; }
        .phone { grid-template-columns: minmax(320px, 2fr) 3fr; }
      }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopShortcuts?.();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopShortcuts?.();
    this.stopShortcuts = listenForShortcuts(this.client!, {
      focusNumber: () => {
        this.view = 'phone';
        void this.updateComplete.then(() => this.renderRoot.querySelector('pb-dialpad')?.focusNumber());
      },
      showHelp: () => this.shortcutsDialog?.showModal(),
      error: (message) => this.dispatchEvent(new CustomEvent('pb-error', { detail: message })),
    });
    this.addEventListener('pb-navigate', (e) => (this.view = (e as CustomEvent<string>).detail === 'history' ? 'history' : 'phone'));
    this.addEventListener('pb-error', (e) => {
      this.error = (e as CustomEvent<string>).detail;
      clearTimeout(this.errorTimer);
      this.errorTimer = setTimeout(() => (this.error = ''), 8000);
    });
  }

  private banners() {
    const c = this.client!;
    const s = c.status;
    const live = c.liveCalls.length > 0;
    return html`
      ${this.error ? html`<div class="banner bad" role="alert">${this.error}</div>` : ''}
      ${s.state === 'offline' || (!c.online && !s.demo) ? html`<div class="banner warn">${t.app.offline}</div>` : ''}
      ${c.mediaRole && c.media.micError ? html`<div class="banner warn" role="alert">${c.media.micError}</div>` : ''}
      ${c.mediaRole && c.media.soundBlocked
        ? html`<div class="banner warn" role="alert">
            <span>${t.app.soundBlocked}</span>
            <button @click=${() => this.run(() => c.media.unlockSound())}>${t.app.turnOnSound}</button>
          </div>`
        : ''}
      ${s.storageError ? html`<div class="banner warn" role="alert">${s.storageError}</div>` : ''}
      ${this.offerNotifications && s.state !== 'signed-out'
        ? html`<div class="banner">
            <span>${t.app.notificationsWhy}</span>
            <span class="actions">
              <button @click=${async () => {
                await CallAlerts.ask();
                this.offerNotifications = false;
              }}>${t.app.allowNotifications}</button>
              <button @click=${() => {
                localStorage.setItem('patchbay-notifications', 'later');
                this.offerNotifications = false;
              }}>${t.app.notNow}</button>
            </span>
          </div>`
        : ''}
      ${s.logging.unlogged
        ? html`<div class="banner warn" role="status">
            <span>${t.app.unloggedCalls(s.logging.unlogged, s.logging.waiting)}</span>
            <button @click=${() => this.run(() => c.api.retryLogging())}>${t.app.retryNow}</button>
          </div>`
        : ''}
      ${c.stale
        ? html`<div class="banner warn">
            <span>${live ? t.app.updateReadyInCall : t.app.updateReady}</span>
            <button ?disabled=${live} @click=${() => this.run(async () => {
              await c.prepareReload();
              await c.api.reloadAll();
            })}>${t.app.reload}</button>
          </div>`
        : ''}
    `;
  }

  override render() {
    const c = this.client;
    // Nothing to show before the hub has said who is signed in: the page's first task stays short, so
    // the hub (a worker started from this tab's process) starts at once, and a remembered sign-in
    // never flashes the sign-in form.
    if (!c?.statusKnown) return html`<p>${t.app.starting}</p>`;
    const s = c.status;
    const signedIn = s.state !== 'signed-out' && s.state !== 'failed';
    const live = c.liveCalls;
    const ringing = live.filter((x) => x.state === 'ringing');
    const ongoing = live.filter((x) => x.state !== 'ringing');
    return html`<div class="shell">
      <header>
        <h1><img class="logo" src="icons/icon.svg" alt="" />${t.app.name}${s.demo ? html` <span class="muted who">${t.app.demo}</span>` : ''}</h1>
        <nav aria-label=${t.app.views}>
          ${(['phone', 'history'] as const).map(
            (v) => html`<button aria-current=${this.view === v ? 'page' : 'false'} @click=${() => (this.view = v)}>
              ${v === 'phone' ? t.app.phone : t.app.history}
            </button>`,
          )}
        </nav>
        <div class="status">
          <pb-status></pb-status>
          ${signedIn && c.mediaRole ? html`<span class="muted who" title=${t.app.audioHereTitle}>${t.app.audioHere}</span>` : ''}
          <button aria-label=${t.app.shortcuts} title=${t.app.shortcutsTitle} @click=${() => this.shortcutsDialog?.showModal()}>?</button>
          ${signedIn ? html`<button @click=${() => this.run(() => c.api.signOut())}>${t.app.signOut}</button>` : ''}
        </div>
      </header>
      ${this.banners()}
      ${signedIn && ringing.length
        ? html`<div class="ringing">${repeat(ringing, (call) => call.id, (call) => html`<pb-incoming-call .call=${call} ?waiting=${live.length > 1}></pb-incoming-call>`)}</div>`
        : ''}
      ${signedIn && s.dialRequests?.length
        ? html`<div class="ringing">${s.dialRequests.slice(0, 1).map((r) => html`<pb-dial-request .request=${r}></pb-dial-request>`)}</div>`
        : ''}
      ${this.view === 'history' ? html`<pb-history class="wide"></pb-history>` : ''}
      ${signedIn
        ? html`
            <div class="phone wide" ?hidden=${this.view !== 'phone'}>
              <div class="left">
                <div class="calls">
                  ${ongoing.map((call) => html`<pb-active-call .call=${call}></pb-active-call>`)}
                </div>
                ${ongoing.length ? '' : html`<pb-dialpad class="dial"></pb-dialpad>`}
                <pb-lookup class="lookup"></pb-lookup>
                <pb-recent-calls class="recent"></pb-recent-calls>
              </div>
              <div class="right">
                <pb-call-record class="record"></pb-call-record>
                <pb-apps class="apps"></pb-apps>
                <pb-contacts class="settings"></pb-contacts>
                <pb-settings class="settings"></pb-settings>
                <pb-call-logging class="settings"></pb-call-logging>
                <pb-app-settings class="settings"></pb-app-settings>
              </div>
            </div>
          `
        : this.view === 'phone' ? html`<pb-sign-in class="wide" .config=${this.config}></pb-sign-in>` : ''}
      <dialog class="shortcuts card" aria-labelledby="shortcuts-title">
        <h2 id="shortcuts-title">${t.keyboard.title}</h2>
        <p class="muted">${t.keyboard.when}</p>
        <dl>${SHORTCUTS.map((s) => html`<dt><kbd>${s.key}</kbd></dt><dd>${shortcutText(s)}</dd>`)}</dl>
        <form method="dialog"><button class="primary">${t.app.close}</button></form>
      </dialog>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'patchbay-app': PatchbayApp;
  }
}
