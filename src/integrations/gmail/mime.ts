/**
 * The pieces of an RFC 5322 / MIME message that need care: header values that can never start a new
 * header (CR and LF never pass), non-ASCII text as RFC 2047 encoded-words, mailboxes, dates, and
 * base64 bodies and messages. Every line this writes stays far below the 998-character limit.
 */

const encoder = new TextEncoder();

/** Bytes as base64, in slices: `String.fromCharCode(...bytes)` overflows the stack on a large body. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A whole message as Gmail's `raw` wants it: base64url (RFC 4648 §5), unpadded. */
export function base64url(text: string): string {
  return base64(encoder.encode(text)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A body part's content, base64 in lines of 76 (RFC 2045 §6.8). */
export function base64Lines(text: string): string {
  return base64(encoder.encode(text)).replace(/.{76}(?=.)/g, '$&\r\n');
}

/**
 * A value fit for one header: every control character (CR and LF above all, which would end the header
 * and start one chosen by whoever wrote the value) becomes a space, and runs of spaces one.
 */
export function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Text that may stand in a header as it is: printable ASCII, nothing an RFC 2047 decoder would read. */
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * `text` as RFC 2047 B encoded-words, each at most 75 characters and whole UTF-8 characters (a
 * character split across two words decodes as garbage in some readers).
 */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk: number[] = [];
  const flush = () => {
    if (chunk.length) words.push(`=?UTF-8?B?${base64(Uint8Array.from(chunk))}?=`);
    chunk = [];
  };
  for (const char of text) {
    const bytes = encoder.encode(char);
    // 45 bytes make 60 base64 characters: with `=?UTF-8?B?` and `?=`, 72.
    if (chunk.length + bytes.length > 45) flush();
    chunk.push(...bytes);
  }
  flush();
  return words;
}

/** A folded header line: the words joined by CRLF and a space, so no line runs long. */
function fold(name: string, words: string[]): string {
  return `${name}: ${words.join('\r\n ')}`;
}

/** An unstructured header (Subject): short printable ASCII as it is, anything else encoded-words. */
export function textHeader(name: string, value: string): string {
  const text = clean(value);
  if (PLAIN.test(text) && !text.includes('=?') && name.length + 2 + text.length <= 78) return `${name}: ${text}`;
  return fold(name, encodedWords(text));
}

/** An address from a SIP or tel URI: "sip:1001@pbx.example;transport=ws" → "1001@pbx.example". */
export function addressOf(uri: string | undefined): string {
  const bare = (uri ?? '').trim().replace(/^(sips?|tel|mailto):/i, '').split(/[;?>]/)[0]!.replace(/^</, '');
  let address = bare;
  try {
    address = decodeURIComponent(bare);
  } catch {
    // A malformed escape: the address as written, checked below like any other.
  }
  // A conservative addr-spec (RFC 5322 §3.4.1, dot-atom local part and a host name or address literal).
  const ok = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])$/;
  return address.length <= 254 && ok.test(address) ? address : 'unknown@invalid';
}

/** A mailbox (RFC 5322 §3.4): `"Name" <address>`, a non-ASCII or long name as encoded-words. */
export function mailbox(name: string | undefined, address: string): string {
  const text = clean(name ?? '');
  if (!text) return `<${address}>`;
  const quoted = `"${text.replace(/[\\"]/g, '\\$&')}"`;
  if (PLAIN.test(text) && !text.includes('=?') && quoted.length <= 64) return `${quoted} <${address}>`;
  return `${encodedWords(text).join('\r\n ')}\r\n <${address}>`;
}

export function addressHeader(name: string, display: string | undefined, address: string): string {
  return `${name}: ${mailbox(display, address)}`;
}

function dateParts(ms: number, timeZone: string) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, weekday: 'short', year: 'numeric', month: 'short', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
  });
  return Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** An RFC 5322 date-time (§3.3) in `timeZone`, its offset included: "Tue, 14 Nov 2023 23:13:20 +0100". */
export function rfc5322Date(ms: number, timeZone = 'UTC'): string {
  let p: Record<string, string>;
  try {
    p = dateParts(ms, timeZone);
  } catch {
    // An unknown zone name: UTC is always right, only less friendly.
    p = dateParts(ms, 'UTC');
  }
  const offset = /GMT([+-])(\d{2}):?(\d{2})/.exec(p.timeZoneName ?? '');
  const zone = offset ? `${offset[1]}${offset[2]}${offset[3]}` : '+0000';
  return `${p.weekday}, ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}:${p.second} ${zone}`;
}
