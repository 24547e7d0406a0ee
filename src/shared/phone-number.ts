/**
 * Phone numbers, with libphonenumber's metadata (a third of the hub's size) loaded beside the hub rather
 * than in it: the load starts when this module runs, registration never waits for it, and every path
 * that reads a number awaits `phoneNumbersReady` first (a record being created, the store writing a
 * search entry, a lookup). Until it is loaded a number is kept as the PBX sent it.
 */
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/min';

type Lib = typeof import('./phone-metadata.ts');
let lib: Lib | undefined;

export const phoneNumbersReady: Promise<void> = import('./phone-metadata.ts').then((m) => {
  lib = m;
});

/** A parsed number, or undefined (also while the metadata is loading). */
export function parsePhone(text: string, country?: string): PhoneNumber | undefined {
  return lib?.parsePhoneNumberFromString(text, country as CountryCode | undefined);
}

/**
 * The number a record keeps for a party: E.164 when the user part parses as an international
 * number (`+441632960123`, `00441632960123`) or as a possible national number of `country`
 * (`01632 960123` with GB), else the user part as the PBX sent it (`1002`).
 */
export function toNumber(user: string, country?: string): string {
  const raw = user.trim().slice(0, 64);
  const compact = raw.replace(/[\s().-]/g, '');
  if (!/^(\+|00)?\d{3,}$/.test(compact)) return raw;
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  if (international.startsWith('+')) {
    const parsed = parsePhone(international);
    return parsed?.isPossible() ? parsed.number : compact;
  }
  // Extensions are short: only a number of seven digits or more is read as a national number.
  if (country && compact.length >= 7) {
    const parsed = parsePhone(compact, country);
    if (parsed?.isPossible()) return parsed.number;
  }
  return compact;
}
