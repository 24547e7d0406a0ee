import { html, css, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { AppEntry } from '../../shared/api.ts';
import { HubElement } from '../hub-element.ts';
import type { Slice } from '../hub-client.ts';
import { t } from '../strings.ts';
import { theme } from '../theme.ts';

/**
 * What an iframed app may do: run its scripts with its own origin's storage, submit forms, and open
 * links in a new window. Popups stay sandboxed like the app (no `allow-popups-to-escape-sandbox`), and
 * no download starts from an app (no `allow-downloads`): a file for the user is a link the user opens.
 */
export const APP_SANDBOX = 'allow-scripts allow-same-origin allow-forms allow-popups';

/** Handshakes one app may start in a burst, then one a second; beyond that its messages are dropped unread. */
const HANDSHAKE_BURST = 10;

/** The origins the page's Content Security Policy lets it frame, once set (a policy can only tighten). */
let framedOrigins: Set<string> | undefined;

/**
 * Limits `frame-src` to the registry's origins. A `<meta>` policy applies from the moment it is added
 * and cannot be loosened later: an app added afterwards loads after a reload.
 */
export function limitFrames(origins: string[]): Set<string> {
  if (framedOrigins) return framedOrigins;
  framedOrigins = new Set(origins);
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = `frame-src ${origins.length ? origins.join(' ') : "'none'"}`;
  document.head.append(meta);
  return framedOrigins;
}

const originOf = (app: AppEntry) => new URL(app.url).origin;

/**
 * @summary The business apps of the registry, each in a sandboxed iframe in its own tab, loaded once
 * and kept alive across calls. Hands each app, once its origin and window check out, a port to the hub.
 */
@customElement('pb-apps')
export class PbApps extends HubElement {
  protected static override slices: readonly Slice[] = ['status', 'registry', 'hub'];
  /** The hub takeovers seen: after one, every app loads again and asks the new hub for a port. */
  private takeovers = 0;
  @state() private selected = '';
  @state() private connected = new Set<string>();
  private readonly frames = new Map<string, { frame: HTMLIFrameElement; url: string }>();
  /** Per app: a handshake in flight, and a token bucket of handshakes. */
  private readonly handshakes = new Map<string, { busy: boolean; tokens: number; at: number }>();

  static override styles = [
    theme,
    css`
      :host { display: block; }
      section { padding: 0; overflow: hidden; }
      [role='tablist'] { display: flex; gap: 2px; padding: 6px 6px 0; border-bottom: 1px solid var(--pb-border); flex-wrap: wrap; }
      [role='tab'] { border-radius: 8px 8px 0 0; border-bottom: none; }
      [role='tab'][aria-selected='true'] { background: var(--pb-accent); color: var(--pb-accent-text); border-color: var(--pb-accent); }
      .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--pb-border); margin-right: 6px; }
      .dot.on { background: var(--pb-good, #1a7f37); }
      iframe { display: block; width: 100%; height: 340px; border: 0; background: var(--pb-bg); }
      [role='tabpanel'][hidden] { display: none; }
      .note { padding: 12px; margin: 0; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('message', this.onMessage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('message', this.onMessage);
  }

  private get apps(): AppEntry[] {
    return this.client?.status.apps ?? [];
  }

  /**
   * The handshake. Only a window that is one of our app iframes, speaking from that app's origin, gets a
   * port; anything else gets nothing at all (not even a refusal to probe with).
   */
  private readonly onMessage = (event: MessageEvent) => {
    // Cheapest checks first: a flood of messages costs a comparison each.
    if (!event.source) return;
    const data = event.data as { type?: unknown; nonce?: unknown } | null;
    if (data?.type !== 'patchbay:connect' || typeof data.nonce !== 'string' || data.nonce.length > 64) return;
    const app = this.apps.find((a) => this.frames.get(a.id)?.frame.contentWindow === event.source);
    if (!app || event.origin !== originOf(app)) return;
    // One handshake in flight per app, and a few in a while: each costs the hub a port.
    const now = performance.now();
    const h = this.handshakes.get(app.id) ?? { busy: false, tokens: HANDSHAKE_BURST, at: now };
    this.handshakes.set(app.id, h);
    h.tokens = Math.min(HANDSHAKE_BURST, h.tokens + (now - h.at) / 1000);
    h.at = now;
    if (h.busy || h.tokens < 1) return;
    h.busy = true;
    h.tokens -= 1;
    const source = event.source as Window;
    const nonce = data.nonce;
    void this.client!.api.connectApp(app.id).then(
      (port) => {
        source.postMessage({ type: 'patchbay:port', nonce }, originOf(app), [port]);
        if (!this.connected.has(app.id)) this.connected = new Set([...this.connected, app.id]);
      },
      (error: Error) => source.postMessage({ type: 'patchbay:refused', nonce, reason: error.message }, originOf(app)),
    ).finally(() => (h.busy = false));
  };

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const takeovers = this.client?.takeovers ?? 0;
    if (takeovers !== this.takeovers) {
      this.takeovers = takeovers;
      for (const { frame, url } of this.frames.values()) frame.src = url;
      this.connected = new Set();
    }
    const apps = this.apps;
    // Wait for the admin's list: the frame policy is set once, for the whole registry.
    if (apps.length && this.client?.registryReady) limitFrames(apps.map(originOf));
    if (!apps.some((a) => a.id === this.selected)) this.selected = apps[0]?.id ?? '';
  }

  private frame(app: AppEntry) {
    // One iframe per app for the life of the tab: re-rendering never reloads an app. Compared with the
    // URL it was made for, never with `frame.src` (which the browser keeps in its own spelling).
    const known = this.frames.get(app.id);
    if (known?.url === app.url) return known.frame;
    const frame = document.createElement('iframe');
    frame.src = app.url;
    frame.title = app.name;
    frame.setAttribute('sandbox', APP_SANDBOX);
    frame.referrerPolicy = 'origin';
    frame.loading = 'eager';
    this.frames.set(app.id, { frame, url: app.url });
    return frame;
  }

  private keyed(e: KeyboardEvent, index: number) {
    const apps = this.apps;
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = apps[(index + step + apps.length) % apps.length]!;
    this.selected = next.id;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${next.id}`)?.focus());
  }

  override render() {
    const apps = this.apps;
    if (!apps.length || !this.client?.registryReady) return html``;
    const allowed = framedOrigins ?? new Set<string>();
    return html`<section class="card" aria-label=${t.apps.label}>
      <div role="tablist" aria-label=${t.apps.label}>
        ${apps.map(
          (app, i) => html`<button
            role="tab"
            id=${`tab-${app.id}`}
            aria-selected=${app.id === this.selected ? 'true' : 'false'}
            aria-controls=${`panel-${app.id}`}
            tabindex=${app.id === this.selected ? 0 : -1}
            @click=${() => (this.selected = app.id)}
            @keydown=${(e: KeyboardEvent) => this.keyed(e, i)}
          >
            <span class="dot ${this.connected.has(app.id) ? 'on' : ''}" aria-hidden="true"></span>${app.name}
          </button>`,
        )}
      </div>
      ${repeat(
        apps,
        (app) => app.id,
        (app) => html`<div role="tabpanel" id=${`panel-${app.id}`} aria-labelledby=${`tab-${app.id}`} ?hidden=${app.id !== this.selected}>
          ${allowed.has(originOf(app))
            ? this.frame(app)
            : html`<p class="note">${t.apps.addedAfterLoad(app.name)}
                <button @click=${() => location.reload()}>${t.apps.reloadToLoad}</button></p>`}
        </div>`,
      )}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pb-apps': PbApps;
  }
}
