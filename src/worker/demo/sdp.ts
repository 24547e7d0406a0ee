/**
 * SDP for the demo PBX: offers and answers that a browser's RTCPeerConnection accepts. No media
 * ever flows; the descriptions only have to be well-formed and consistent across a dialog.
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type SetupRole = 'active' | 'passive';

/** The PBX side of one dialog's media: stable ICE/DTLS identity, session version, DTLS role. */
export interface MediaState {
  ufrag: string;
  pwd: string;
  fingerprint: string;
  sessionId: string;
  version: number;
  /** Our DTLS role once negotiated; undefined until the first offer/answer completes. */
  role?: SetupRole;
}

const HOST = '127.0.0.1';
const PORT = 40000;
const CODECS = new Set(['opus', 'pcmu', 'pcma', 'telephone-event']);
const STATIC_CODECS: Record<string, string> = { '0': 'pcmu', '8': 'pcma' };
const MIRROR: Record<Direction, Direction> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function token(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}

export function newMediaState(): MediaState {
  return {
    ufrag: token(8),
    pwd: token(24),
    fingerprint: Array.from(randomBytes(32), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':'),
    sessionId: String(1e15 + Math.floor(Math.random() * 8e15)),
    version: 1,
  };
}

function sessionHeader(state: MediaState, mids: string[]): string[] {
  const lines = [
    'v=0',
    `o=- ${state.sessionId} ${state.version++} IN IP4 ${HOST}`,
    's=-',
    't=0 0',
  ];
  if (mids.length) lines.push(`a=group:BUNDLE ${mids.join(' ')}`);
  lines.push('a=msid-semantic: WMS patchbay-demo');
  return lines;
}

/**
 * No ICE candidates on purpose: with a host candidate nobody answers, Chrome's connectionState
 * turns 'failed' after about 15 s; without one it stays 'new' for the whole call.
 */
function transportLines(state: MediaState, setup: string): string[] {
  return [
    `c=IN IP4 ${HOST}`,
    `a=rtcp:${PORT} IN IP4 ${HOST}`,
    `a=ice-ufrag:${state.ufrag}`,
    `a=ice-pwd:${state.pwd}`,
    `a=fingerprint:sha-256 ${state.fingerprint}`,
    `a=setup:${setup}`,
  ];
}

const join = (lines: string[]): string => lines.join('\r\n') + '\r\n';

/** An audio offer (opus, PCMU, PCMA, DTMF) for a call the PBX places. */
export function createOffer(state: MediaState, direction: Direction = 'sendrecv'): string {
  return join([
    ...sessionHeader(state, ['0']),
    `m=audio ${PORT} UDP/TLS/RTP/SAVPF 111 0 8 101`,
    ...transportLines(state, state.role ?? 'actpass'),
    'a=mid:0',
    `a=${direction}`,
    'a=msid:patchbay-demo patchbay-demo-audio',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ssrc:1001 cname:patchbay-demo',
  ]);
}

interface Section {
  media: string;
  port: string;
  proto: string;
  formats: string[];
  attributes: string[];
}

function parse(sdp: string): { session: string[]; sections: Section[] } {
  const session: string[] = [];
  const sections: Section[] = [];
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(line);
    if (m) {
      sections.push({ media: m[1]!, port: m[2]!, proto: m[3]!, formats: (m[4] ?? '').split(' ').filter(Boolean), attributes: [] });
    } else if (line.startsWith('a=')) {
      (sections.at(-1)?.attributes ?? session).push(line.slice(2));
    } else if (!sections.length) {
      session.push(line);
    }
  }
  return { session, sections };
}

function directionOf(attributes: string[], fallback: Direction): Direction {
  for (const a of attributes) if (a in MIRROR) return a as Direction;
  return fallback;
}

/** The DTLS role the remote side chose in its answer, from our point of view. */
export function ourRoleFromAnswer(answer: string): SetupRole | undefined {
  const match = /a=setup:(active|passive)/.exec(answer);
  if (!match) return undefined;
  return match[1] === 'active' ? 'passive' : 'active';
}

/**
 * Answers `offer`: every audio m-line is accepted with the offer's own payload types for the
 * codecs we know, its mid, and the mirrored direction; anything else is rejected (port 0).
 * Returns undefined when no audio can be accepted (the caller answers 488).
 */
export function createAnswer(offer: string, state: MediaState): string | undefined {
  const { session, sections } = parse(offer);
  if (!sections.length) return undefined;
  const sessionDirection = directionOf(session, 'sendrecv');
  const bundled = session.some((a) => a.startsWith('group:BUNDLE'));
  state.role ??= 'active';
  const accepted: string[] = [];
  const body: string[] = [];
  let count = 0;
  for (const section of sections) {
    const mid = section.attributes.find((a) => a.startsWith('mid:'))?.slice(4);
    const rtpmap = new Map<string, string>();
    const fmtp = new Map<string, string>();
    for (const a of section.attributes) {
      const r = /^rtpmap:(\d+) (.+)$/.exec(a);
      if (r) rtpmap.set(r[1]!, r[2]!);
      const f = /^fmtp:(\d+) (.+)$/.exec(a);
      if (f) fmtp.set(f[1]!, f[2]!);
    }
    const codec = (pt: string): string | undefined =>
      rtpmap.get(pt)?.split('/')[0]?.toLowerCase() ?? STATIC_CODECS[pt];
    const formats = section.formats.filter((pt) => CODECS.has(codec(pt) ?? ''));
    const usable =
      section.media === 'audio' && section.port !== '0' && formats.some((pt) => codec(pt) !== 'telephone-event');
    if (!usable) {
      body.push(`m=${section.media} 0 ${section.proto} ${section.formats.join(' ') || '0'}`, `c=IN IP4 0.0.0.0`);
      if (mid !== undefined) body.push(`a=mid:${mid}`);
      continue;
    }
    const n = count++;
    if (mid !== undefined) accepted.push(mid);
    body.push(`m=audio ${PORT} ${section.proto} ${formats.join(' ')}`, ...transportLines(state, state.role));
    if (mid !== undefined) body.push(`a=mid:${mid}`);
    body.push(`a=${MIRROR[directionOf(section.attributes, sessionDirection)]}`);
    body.push(`a=msid:patchbay-demo patchbay-demo-audio${n || ''}`);
    if (section.attributes.includes('rtcp-mux')) body.push('a=rtcp-mux');
    for (const pt of formats) {
      const map = rtpmap.get(pt);
      if (map) body.push(`a=rtpmap:${pt} ${map}`);
      const params = fmtp.get(pt);
      if (params) body.push(`a=fmtp:${pt} ${params}`);
    }
    body.push(`a=ssrc:${1001 + n} cname:patchbay-demo`);
  }
  if (!count) return undefined;
  return join([...sessionHeader(state, bundled ? accepted : []), ...body]);
}
