/**
 * WebRTC does not exist in workers. The hub keeps the SIP dialogs; this bridge forwards every
 * offer/answer to the tab that holds the media role (elected with Web Locks), through a
 * SessionDescriptionHandler of our own.
 */
import type { MediaHost } from '../../shared/api.ts';
import { hubError } from '../../shared/errors.ts';
import { logger } from '../log.ts';

const log = logger('media');

/** The subset of sip.js's SessionDescriptionHandler contract the bridge implements. */
export interface BridgedHandler {
  getDescription(options?: { hold?: boolean }): Promise<{ body: string; contentType: string }>;
  setDescription(sdp: string, options?: { hold?: boolean }): Promise<void>;
  hasDescription(contentType: string): boolean;
  rollbackDescription(): Promise<void>;
  sendDtmf(tones: string): boolean;
  close(): void;
}

interface Host {
  tabId: string;
  api: MediaHost;
  epoch: number;
}

export class MediaBridge {
  private host: Host | undefined;
  private epoch = 0;
  private waiters: Array<(h: Host) => void> = [];
  /** Called after another tab took the media role while calls were up. */
  onHandover?: (fromTab: string | undefined, toTab: string) => void;
  onHostChange?: (present: boolean) => void;
  private ringing = false;
  /** The user's setting: ring at all. */
  ringtone = true;

  constructor(private readonly waitMs = 15000) {}

  get hasHost(): boolean {
    return this.host !== undefined;
  }

  get tabId(): string | undefined {
    return this.host?.tabId;
  }

  setHost(tabId: string, api: MediaHost): void {
    const previous = this.host;
    this.host = { tabId, api, epoch: ++this.epoch };
    log.info(`media role: tab ${tabId}`);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(this.host);
    if (this.ringing && this.ringtone) void api.ring(true).catch(() => undefined);
    this.onHostChange?.(true);
    this.onHandover?.(previous?.tabId, tabId);
  }

  /** A tab went away; if it held the media role, wait for the next one. */
  dropTab(tabId: string): void {
    if (this.host?.tabId !== tabId) return;
    log.info(`media tab ${tabId} closed`);
    this.host = undefined;
    this.onHostChange?.(false);
  }

  /** The current media host, waiting (bounded) for a tab to take the role. */
  current(): Promise<Host> {
    if (this.host) return Promise.resolve(this.host);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(hubError('NoMediaTab', 'No open tab can play audio: open Patchbay in a tab'));
      }, this.waitMs);
      const done = (h: Host) => {
        clearTimeout(timer);
        resolve(h);
      };
      this.waiters.push(done);
    });
  }

  ring(on: boolean): void {
    if (this.ringing === on) return;
    this.ringing = on;
    void this.host?.api.ring(on && this.ringtone).catch(() => undefined);
  }

  async sendDtmf(callId: string, tones: string): Promise<boolean> {
    if (!this.host) return false;
    return this.host.api.sendDtmf(callId, tones).catch(() => false);
  }

  async setMuted(callId: string, muted: boolean): Promise<void> {
    const host = await this.current();
    await host.api.setMuted(callId, muted);
  }

  /** A SessionDescriptionHandler bound to one call; it follows the media role from tab to tab. */
  handler(callId: string): BridgedHandler {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const bridge = this;
    let described = false;
    let boundEpoch = 0;
    return {
      async getDescription(options) {
        const host = await bridge.current();
        const sdp = await host.api.getDescription(callId, { hold: !!options?.hold });
        described = true;
        boundEpoch = host.epoch;
        return { body: sdp, contentType: 'application/sdp' };
      },
      async setDescription(sdp, options) {
        const host = await bridge.current();
        await host.api.setDescription(callId, sdp, { hold: !!options?.hold });
        described = true;
        boundEpoch = host.epoch;
      },
      hasDescription(contentType) {
        return contentType === 'application/sdp';
      },
      async rollbackDescription() {
        if (bridge.host && bridge.host.epoch === boundEpoch) await bridge.host.api.rollback(callId);
      },
      sendDtmf(tones) {
        if (!bridge.host) return false;
        void bridge.host.api.sendDtmf(callId, tones);
        return true;
      },
      close() {
        if (described) void bridge.host?.api.close(callId).catch(() => undefined);
      },
    };
  }
}
