import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

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
    const parsed = parsePhoneNumberFromString(international);
    return parsed?.isPossible() ? parsed.number : compact;
  }
  // Extensions are short: only a number of seven digits or more is read as a national number.
  if (country && compact.length >= 7) {
    const parsed = parsePhoneNumberFromString(compact, country as CountryCode);
    if (parsed?.isPossible()) return parsed.number;
  }
  return compact;
}
