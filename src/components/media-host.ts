/**
 * The media role: the one tab that holds it keeps an RTCPeerConnection per call, the microphone
 * and the speaker, and answers the hub's offer/answer requests.
 */
import type { CallRecord, MediaHost } from '../shared/api.ts';
import { afterPaint } from './after-paint.ts';
import { t } from './strings.ts';

interface Leg {
  pc: RTCPeerConnection;
  audio: HTMLAudioElement;
  mic?: MediaStream;
  muted: boolean;
  /** False once the microphone could not be opened: the call is listen-only. */
  sending: boolean;
}

type Report = (callId: string, media: CallRecord['media']) => void;

const GATHER_LIMIT_MS = 1500;
/** Quiet time after the last candidate found before the SDP goes (host candidates come together). */
const SETTLE_MS = 20;

export class PeerMedia implements MediaHost {
  private readonly legs = new Map<string, Leg>();
  private readonly ringer = new Ringer();
  private ringWanted = false;
  /** Why the microphone could not be opened, for the panel to say so. */
  micError = '';
  onMicError?: (message: string) => void;
  /** The speakers chosen in the settings (`setSinkId`); '' is the system's default. */
  private callSink = '';

  /** Whether the browser still waits for a click before this tab may play sound (autoplay rules). */
  get soundBlocked(): boolean {
    return this.ringer.blocked;
  }
  set onSoundBlocked(listener: (() => void) | undefined) {
    this.ringer.onBlocked = listener;
  }

  /** Lets the ringtone play: call from a user gesture (the browser's autoplay rules ask for one). */
  unlockSound(): Promise<void> {
    return this.ringer.unlock();
  }

  /** The output devices for the ringtone and for calls, where the browser can choose (`setSinkId`). */
  setOutputs(ring: string | undefined, call: string | undefined): void {
    this.ringer.setSink(ring ?? '');
    if ((call ?? '') === this.callSink) return;
    this.callSink = call ?? '';
    for (const leg of this.legs.values()) void sink(leg.audio, this.callSink);
  }

  constructor(private readonly report: Report) {}

  private async leg(callId: string): Promise<Leg> {
    const existing = this.legs.get(callId);
    if (existing) return existing;
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'balanced', rtcpMuxPolicy: 'require' });
    const audio = new Audio();
    audio.autoplay = true;
    if (this.callSink) void sink(audio, this.callSink);
    const leg: Leg = { pc, audio, muted: false, sending: true };
    this.legs.set(callId, leg);
    // The microphone opens beside the offer or answer, not before it: the SDP leaves without waiting
    // for the capture device, and the track joins the audio sender when it is ready (replaceTrack:
    // no renegotiation).
    void navigator.mediaDevices.getUserMedia({ audio: true, video: false }).then(
      (stream) => {
        if (this.legs.get(callId) !== leg) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        leg.mic = stream;
        this.applyMute(leg, leg.muted);
        this.attachMic(leg);
        this.setMicError('');
      },
      (error: Error) => {
        // No microphone (or permission refused): the call still connects, listen-only.
        leg.sending = false;
        this.setMicError(
          error.name === 'NotAllowedError' ? t.call.micBlocked : t.call.noMic(error.name),
        );
      },
    );
    pc.addEventListener('track', (event) => {
      audio.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      void audio.play().catch(() => undefined);
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.legs.get(callId)?.pc !== pc) return;
      const s = pc.connectionState;
      if (s === 'connected') this.report(callId, 'connected');
      else if (s === 'failed') this.report(callId, 'failed');
      else if (s === 'connecting' || s === 'new') this.report(callId, 'connecting');
    });
    return leg;
  }

  private setMicError(message: string): void {
    if (message === this.micError) return;
    this.micError = message;
    this.onMicError?.(message);
  }

  async getDescription(callId: string, options: { hold?: boolean }): Promise<string> {
    const leg = await this.leg(callId);
    const { pc } = leg;
    if (pc.signalingState === 'have-remote-offer') {
      // The offer made the audio transceiver (receiving only until told): we send on it too.
      const tr = audioTransceiver(pc);
      if (tr && !tr.currentDirection) tr.direction = leg.sending ? 'sendrecv' : 'recvonly';
      this.attachMic(leg);
      await pc.setLocalDescription(await pc.createAnswer());
    } else {
      if (!audioTransceiver(pc)) pc.addTransceiver('audio', { direction: 'sendrecv' });
      for (const tr of pc.getTransceivers()) {
        if (tr.currentDirection === 'stopped') continue;
        const sends = leg.sending;
        tr.direction = options.hold ? (sends ? 'sendonly' : 'inactive') : sends ? 'sendrecv' : 'recvonly';
      }
      this.attachMic(leg);
      await pc.setLocalDescription(await pc.createOffer());
    }
    await gathered(pc);
    return pc.localDescription?.sdp ?? '';
  }

  async setDescription(callId: string, sdp: string): Promise<void> {
    let leg = await this.leg(callId);
    const type: RTCSdpType = leg.pc.signalingState === 'have-local-offer' ? 'answer' : 'offer';
    try {
      await leg.pc.setRemoteDescription({ type, sdp });
    } catch (error) {
      if (type !== 'offer') throw error;
      // The far end restarted its media (a new DTLS identity): start a fresh connection for it.
      const muted = leg.muted;
      this.drop(callId);
      leg = await this.leg(callId);
      this.applyMute(leg, muted);
      await leg.pc.setRemoteDescription({ type, sdp });
    }
  }

  async rollback(callId: string): Promise<void> {
    const leg = this.legs.get(callId);
    if (leg && leg.pc.signalingState !== 'stable') await leg.pc.setLocalDescription({ type: 'rollback' });
  }

  async sendDtmf(callId: string, tones: string): Promise<boolean> {
    const leg = this.legs.get(callId);
    const sender = leg && audioTransceiver(leg.pc)?.sender;
    if (!sender?.track || !sender.dtmf || !sender.dtmf.canInsertDTMF) return false;
    sender.dtmf.insertDTMF(tones, 100, 70);
    return true;
  }

  async setMuted(callId: string, muted: boolean): Promise<void> {
    const leg = this.legs.get(callId);
    if (leg) this.applyMute(leg, muted);
  }

  /** Puts the microphone's track on the call's audio sender, once both exist. */
  private attachMic(leg: Leg): void {
    const track = leg.mic?.getAudioTracks()[0];
    const sender = audioTransceiver(leg.pc)?.sender;
    if (track && sender && sender.track !== track && leg.pc.signalingState !== 'closed') {
      void sender.replaceTrack(track).catch(() => undefined);
      sender.setStreams?.(leg.mic!);
    }
  }

  private applyMute(leg: Leg, muted: boolean): void {
    leg.muted = muted;
    for (const track of leg.mic?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  async close(callId: string): Promise<void> {
    this.drop(callId);
  }

  private drop(callId: string): void {
    const leg = this.legs.get(callId);
    if (!leg) return;
    this.legs.delete(callId);
    leg.pc.close();
    leg.audio.srcObject = null;
    for (const track of leg.mic?.getTracks() ?? []) track.stop();
  }

  async ring(on: boolean): Promise<void> {
    // The ringtone (an AudioContext, made on the first call) starts once the screen pop is painted.
    this.ringWanted = on;
    if (on) afterPaint(() => this.ringWanted && this.ringer.start());
    else this.ringer.stop();
  }

  /** Connection states, for the diagnostics the tests and the panel read. */
  states(): Record<string, RTCPeerConnectionState> {
    return Object.fromEntries([...this.legs].map(([id, leg]) => [id, leg.pc.connectionState]));
  }
}

/** The call's audio transceiver (there is one: audio only). */
function audioTransceiver(pc: RTCPeerConnection): RTCRtpTransceiver | undefined {
  return pc.getTransceivers().find((tr) => tr.receiver.track.kind === 'audio' && tr.currentDirection !== 'stopped');
}

/**
 * Waits until the SDP holds our candidates. With no STUN or TURN server every candidate is a host
 * candidate, found together within milliseconds; Chromium says "complete" only well after (about
 * 100 ms here), and SIP sends no candidate later. So: gathering complete, or `SETTLE_MS` after the
 * last candidate found, or `GATHER_LIMIT_MS` in all, whichever comes first.
 */
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    let settle: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(limit);
      clearTimeout(settle);
      pc.removeEventListener('icegatheringstatechange', check);
      pc.removeEventListener('icecandidate', found);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const found = (event: RTCPeerConnectionIceEvent) => {
      if (!event.candidate) return done();
      clearTimeout(settle);
      settle = setTimeout(done, SETTLE_MS);
    };
    const limit = setTimeout(done, GATHER_LIMIT_MS);
    pc.addEventListener('icegatheringstatechange', check);
    pc.addEventListener('icecandidate', found);
  });
}

/** Routes an element's sound to a device; a device gone since it was chosen leaves the default. */
async function sink(audio: HTMLAudioElement, deviceId: string): Promise<void> {
  const el = audio as HTMLAudioElement & { setSinkId?(id: string): Promise<void> };
  await el.setSinkId?.(deviceId).catch(() => el.setSinkId?.('').catch(() => undefined));
}

/**
 * A North-American style ring (440 + 480 Hz, 2 s on, 4 s off) made with Web Audio. Browsers let a page
 * play sound only after the user has interacted with it: the first click or key press anywhere unlocks
 * it, and a ring that starts before then says so (`blocked`), for the panel to ask for that click.
 */
class Ringer {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sinkId = '';
  ringing = false;
  blocked = false;
  onBlocked?: () => void;

  constructor() {
    const unlock = () => void this.unlock().then(() => {
      if (this.ctx?.state === 'running') {
        removeEventListener('pointerdown', unlock, true);
        removeEventListener('keydown', unlock, true);
      }
    });
    addEventListener('pointerdown', unlock, true);
    addEventListener('keydown', unlock, true);
  }

  private context(): AudioContext {
    if (!this.ctx) {
      this.ctx = new AudioContext();
      if (this.sinkId) void this.applySink();
    }
    return this.ctx;
  }

  async unlock(): Promise<void> {
    try {
      await this.context().resume();
    } catch {
      /* no audio output */
    }
    if (this.ctx?.state === 'running' && this.blocked) {
      this.blocked = false;
      this.onBlocked?.();
    }
  }

  setSink(deviceId: string): void {
    if (deviceId === this.sinkId) return;
    this.sinkId = deviceId;
    if (this.ctx) void this.applySink();
  }

  private async applySink(): Promise<void> {
    const ctx = this.ctx as (AudioContext & { setSinkId?(id: string): Promise<void> }) | undefined;
    await ctx?.setSinkId?.(this.sinkId).catch(() => ctx.setSinkId?.('').catch(() => undefined));
  }

  start(): void {
    if (this.ringing) return;
    this.ringing = true;
    try {
      const ctx = this.context();
      void ctx.resume().catch(() => undefined);
      // Resuming without a gesture leaves it suspended: the panel asks for one.
      setTimeout(() => {
        if (this.ringing && ctx.state !== 'running' && !this.blocked) {
          this.blocked = true;
          this.onBlocked?.();
        }
      }, 300);
      this.burst();
      this.timer = setInterval(() => this.burst(), 6000);
    } catch {
      /* no audio output: the dialog still shows */
    }
  }

  private burst(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const gain = ctx.createGain();
    gain.gain.value = 0.08;
    gain.connect(ctx.destination);
    for (const f of [440, 480]) {
      const osc = ctx.createOscillator();
      osc.frequency.value = f;
      osc.connect(gain);
      osc.start();
      osc.stop(ctx.currentTime + 2);
    }
  }

  stop(): void {
    this.ringing = false;
    clearInterval(this.timer);
  }
}
