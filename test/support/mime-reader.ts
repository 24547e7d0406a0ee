// Reads back the RFC 5322 messages the Gmail logger writes, independently of the writer: headers
// unfolded with RFC 2047 words decoded, and the MIME parts' decoded bodies.
const utf8 = new TextDecoder();

export const bytes = (b64: string) =>
  Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '')), (c) => c.charCodeAt(0));

export function fromBase64url(raw: string): string {
  return utf8.decode(bytes(raw));
}

export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64: string) => utf8.decode(bytes(b64)));
}

export interface Parsed {
  /** The header section exactly as written. */
  head: string;
  headers: Map<string, string[]>;
  header(name: string): string | undefined;
  parts: { type: string; headers: string; body: string }[];
}

function headerMap(head: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), decodeWords(line.slice(colon + 1).trim())]);
  }
  return map;
}

export function parse(message: string): Parsed {
  const split = message.indexOf('\r\n\r\n');
  const head = message.slice(0, split);
  const headers = headerMap(head);
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type')?.[0] ?? '')?.[1];
  const parts = !boundary
    ? []
    : message.slice(split + 4).split(`--${boundary}`).slice(1, -1).map((chunk) => {
        const text = chunk.replace(/^\r\n/, '');
        const end = text.indexOf('\r\n\r\n');
        const partHeaders = text.slice(0, end);
        const raw = text.slice(end + 4).replace(/\r\n$/, '');
        const body = /base64/i.test(partHeaders) ? utf8.decode(bytes(raw)) : raw;
        return { type: /Content-Type:\s*([^;\r\n]+)/i.exec(partHeaders)?.[1] ?? '', headers: partHeaders, body };
      });
  return { head, headers, header: (name) => headers.get(name.toLowerCase())?.[0], parts };
}
