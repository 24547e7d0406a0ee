/**
 * Phone links: Patchbay is the browser's `tel:` handler, opened as `?tel=<the tel: URL>`
 * (`navigator.registerProtocolHandler` and the manifest's `protocol_handlers`). The dialpad then
 * has the number ready to call.
 */
import { t } from '../strings.ts';

/** What a phone link asks to call. */
export interface TelLink {
  /** Digits with a leading "+" for a global number, as the dialpad takes them. */
  number: string;
  /** `;ext=` of the link: dialled on the keypad once the call is answered. */
  extension?: string;
}

/**
 * Reads a `tel:` URI (RFC 3966) or a bare number: `tel:+1-201-555-0123;ext=45`,
 * `tel:%2B44%201632%20960123`, `tel:863-1234;phone-context=+1-914-555`, `+44 (0)1632 960123`.
 * Visual separators (space - . ( )) go; other parameters are ignored.
 * @throws Error named `InvalidTelLink` when no callable number is left.
 */
export function parseTel(input: string): TelLink {
  // The browser percent-encodes the whole link into `%s`, and the link may carry its own escapes.
  let text = input.trim();
  for (let i = 0; i < 3 && /%[\da-f]{2}/i.test(text); i++) {
    try {
      text = decodeURIComponent(text);
    } catch {
      break;
    }
  }
  const [head = '', ...params] = text.replace(/^tel:(\/\/)?/i, '').split(';');
  const param = (name: string) =>
    params.find((p) => p.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1);
  // "+44 (0)1632 960123": the "(0)" is dialled only from inside the country.
  const compact = (s: string) => (s.trim().startsWith('+') ? s.replace(/\(0\)/g, '') : s).replace(/[\s.()-]/g, '');
  let number = compact(head);
  const context = compact(param('phone-context') ?? '');
  if (!number.startsWith('+') && /^\+\d+$/.test(context)) number = context + number;
  const extension = compact(param('ext') ?? '');
  if (!/^\+?[\d*#]{1,32}$/.test(number) || (extension && !/^[\d*#]{1,16}$/.test(extension))) {
    const error = new Error(t.call.badTelLink(text.slice(0, 80)));
    error.name = 'InvalidTelLink';
    throw error;
  }
  return extension ? { number, extension } : { number };
}

let pending: string | undefined = rawParam(location.search, 'tel');

/**
 * The phone link this page was opened with, once: the next dialpad takes it, later ones (after a
 * call) start empty. The address bar drops `?tel=` so a reload does not bring it back.
 */
export function takeTelLink(): TelLink | undefined {
  const raw = pending;
  pending = undefined;
  if (raw === undefined) return undefined;
  const url = new URL(location.href);
  url.searchParams.delete('tel');
  history.replaceState(history.state, '', url);
  return parseTel(raw);
}

/** A query parameter without URLSearchParams' "+" → space rule, which would lose a number's "+". */
function rawParam(search: string, name: string): string | undefined {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return undefined;
}
