import { consume } from '@lit/context';
import { LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { hubContext, type HubChange, type HubClient, type Slice } from './hub-client.ts';

/**
 * A Lit element that receives the hub client through context and re-renders when the slices of it
 * that it shows change (`slices`, every one unless a component names its own).
 */
export class HubElement extends LitElement {
  /** The parts of the hub client this component renders from. */
  protected static slices: readonly Slice[] | undefined;

  /** The tab's hub client, provided by `<patchbay-app>`. */
  @consume({ context: hubContext, subscribe: true })
  @property({ attribute: false })
  client?: HubClient;

  private readonly onChange = (event: Event) => {
    const mine = (this.constructor as typeof HubElement).slices;
    if (!mine || mine.some((s) => (event as HubChange).slices.has(s))) this.requestUpdate();
  };
  private watched?: HubClient;

  override connectedCallback(): void {
    super.connectedCallback();
    this.watch();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.watched?.removeEventListener('change', this.onChange);
    this.watched = undefined;
  }

  protected override willUpdate(_changed: PropertyValues): void {
    this.watch();
  }

  private watch(): void {
    if (this.client === this.watched) return;
    this.watched?.removeEventListener('change', this.onChange);
    this.watched = this.client;
    this.watched?.addEventListener('change', this.onChange);
  }

  /** Runs a hub call; a failure is shown to the user, never swallowed. */
  protected async run(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.dispatchEvent(
        new CustomEvent('pb-error', { detail: (error as Error).message ?? String(error), bubbles: true, composed: true }),
      );
    }
  }
}
