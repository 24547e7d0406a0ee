// The SIP torture messages of RFC 4475 (section 3) and RFC 5118 (section 4), with what RFC 3261
// requires of a user agent that receives each, and how each is aimed at the phone under test.
//
// RFC 4475's messages are the RFC's own files (its appendix B archive) in rfc4475/, byte for byte;
// RFC 5118's are in rfc5118.mjs. `deliver(target, n)` returns the frame to push: the odd parts are
// kept, and only what would make the phone drop or misroute the message for a reason that is not
// the torture point is changed (each entry's `aim` says what):
//   - the phone signs in as sip:user@example.com, the user most of the messages are addressed to;
//     a Request-URI with another user (or none) gets `user` as its user, keeping its host and params;
//   - the top Via branch gets a suffix, so two messages that reuse a branch (many do) are two
//     transactions, not a retransmission;
//   - a response's top Via gets the phone's own sent-by, without which any UA drops it unread.
//
// `expect.status`: the final answers RFC 3261/4475/5118 accept from a UA (the first is the one the
// RFC prefers); null: no answer at all (a response is never answered). `expect.rings`: a valid
// INVITE that must ring, with the caller text the screen must show.
import { readFileSync } from 'node:fs';
import { RFC5118_MESSAGES } from './rfc5118.mjs';

const dat = (name) => readFileSync(new URL(`./rfc4475/${name}.dat`, import.meta.url));

/** @typedef {{ user: string, viaHost: string }} Target */

const headEnd = (text) => {
  const i = text.indexOf('\r\n\r\n');
  return i < 0 ? text.length : i;
};

/** Replaces the user part of the Request-URI (or adds one) keeping everything else on the line. */
function setRuriUser(text, user) {
  const eol = text.indexOf('\r\n');
  const line = text.slice(0, eol);
  const fixed = line.replace(/^(\S+ +<?sips?:)(?:[^@\s>]*@)?/, `$1${user}@`);
  return fixed + text.slice(eol);
}

/** Makes the first branch parameter of the head unique (the top Via's). */
function uniqueBranch(text, n) {
  const end = headEnd(text);
  const head = text.slice(0, end).replace(/(branch\s*=\s*[^;,\s]+)/i, `$1.t${n}`);
  return head + text.slice(end);
}

/** Points the top Via of a response at the phone. */
function viaToPhone(text, viaHost) {
  return text.replace(/^(Via:\s*SIP\/2\.0\/\w+\s+)[^;\s]+/im, `$1${viaHost}`);
}

/** Sets Content-Length to the body's real size (RFC 5118's printed lengths are off by a few octets). */
function realLength(text) {
  const end = headEnd(text);
  const body = Buffer.byteLength(text.slice(end + 4));
  return text.slice(0, end).replace(/^Content-Length: *\d+/im, `Content-Length: ${body}`) + text.slice(end);
}

const AIM = {
  asIs: 'sent as the RFC has it (its Request-URI is already the phone\'s AOR)',
  user: 'Request-URI user set to the phone\'s',
  branch: 'top Via branch made unique',
  via: 'top Via sent-by set to the phone\'s',
  length: 'Content-Length set to the body printed in the RFC',
};

/**
 * @param {string} name  the RFC's name for the message
 * @param {string} rfc   '4475' or '5118'
 * @param {string} section
 * @param {{ status: number[] | null, rings?: string }} expect
 * @param {string} requires what RFC 3261 (and the torture RFC) require of a UA receiving it
 * @param {string[]} aim  which of AIM to apply, in order
 */
function entry(name, rfc, section, expect, requires, aim) {
  const raw = rfc === '4475' ? dat(name) : Buffer.from(RFC5118_MESSAGES[name], 'utf8');
  const binary = rfc === '4475' && !isUtf8(raw);
  return {
    name,
    rfc,
    section,
    raw,
    expect,
    requires,
    aim: aim.length ? aim.map((a) => AIM[a]).join('; ') : AIM.asIs,
    kind: /^SIP\/\d/.test(raw.toString('latin1')) ? 'response' : 'request',
    /**
     * @param {Target} target
     * @param {number} n a number unique to this delivery
     * @returns {{ data: string | Buffer, binary: boolean }}
     */
    deliver(target, n) {
      // A body that is not UTF-8 goes in a binary frame (RFC 7118 section 5.3); it is kept byte for byte.
      let text = raw.toString(binary ? 'latin1' : 'utf8');
      for (const a of aim) {
        if (a === 'user') text = setRuriUser(text, target.user);
        if (a === 'branch') text = uniqueBranch(text, n);
        if (a === 'via') text = viaToPhone(text, target.viaHost);
        if (a === 'length') text = realLength(text);
      }
      return binary ? { data: Buffer.from(text, 'latin1'), binary } : { data: text, binary };
    },
  };
}

function isUtf8(buf) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

const ANY_UA_REJECT_OF_REGISTER = [405, 501];

/** Every message, in the RFCs' order. */
export const TORTURE = [
  // RFC 4475 3.1.1: valid messages
  entry('wsinv', '4475', '3.1.1.1', { status: [481] }, 'parse it as well formed (folding, LWS, odd case, compact forms); its To tag names no dialog of ours: 481 (RFC 3261 12.2.2)', ['user', 'branch']),
  entry('intmeth', '4475', '3.1.1.2', { status: [501, 405] }, 'parse it; an endpoint answers an unknown method 501 with Allow (RFC 4475, RFC 3261 21.5.2)', ['branch']),
  entry('esc01', '4475', '3.1.1.3', { status: [180], rings: 'I have spaces' }, 'well formed: ring, with the escaped From user unescaped', ['user', 'branch']),
  entry('escnull', '4475', '3.1.1.4', { status: ANY_UA_REJECT_OF_REGISTER }, 'parse %00 without cutting the user short; a UA is no registrar: 405 with Allow', ['user', 'branch']),
  entry('esc02', '4475', '3.1.1.5', { status: [501, 405] }, 'RE%47IST%45R is not REGISTER: an endpoint answers 501', ['branch']),
  entry('lwsdisp', '4475', '3.1.1.6', { status: [200] }, 'accept a display name with no LWS before <: OPTIONS gets 200', ['branch']),
  entry('longreq', '4475', '3.1.1.7', { status: [180], rings: 'amazinglylongcallername' }, 'well formed: ring, showing the long caller', ['branch']),
  entry('dblreq', '4475', '3.1.1.8', { status: ANY_UA_REJECT_OF_REGISTER }, 'handle the REGISTER and ignore the octets after it that look like an INVITE (RFC 3261 18.3): nothing rings', ['user', 'branch']),
  entry('semiuri', '4475', '3.1.1.9', { status: [404] }, 'the Request-URI user is "user;par=u@example.net", not ours: 404 (RFC 3261 8.2.2.1)', ['branch']),
  entry('transports', '4475', '3.1.1.10', { status: [200] }, 'accept unknown transports in lower Vias: OPTIONS gets 200', ['branch']),
  entry('mpart01', '4475', '3.1.1.11', { status: [200, 202, 415] }, 'frame the binary multipart body by Content-Length; a MESSAGE the UA takes is 200, one it cannot read 415', ['user', 'branch']),
  entry('unreason', '4475', '3.1.1.12', { status: null }, 'a well-formed 200 with a UTF-8 reason phrase; it matches no request of ours, so it is dropped (RFC 3261 17.1.3)', ['via']),
  entry('noreason', '4475', '3.1.1.13', { status: null }, 'a well-formed 100 with an empty reason; matches no request: dropped', ['via']),
  // RFC 4475 3.1.2: invalid messages
  entry('badinv01', '4475', '3.1.2.1', { status: [400] }, 'empty Via and Contact parameters: 400', []),
  entry('clerr', '4475', '3.1.2.2', { status: [400] }, 'Content-Length beyond the message: 400', ['branch']),
  entry('ncl', '4475', '3.1.2.3', { status: [400] }, 'negative Content-Length: an error response, 400', ['branch']),
  entry('scalar02', '4475', '3.1.2.4', { status: [400] }, 'CSeq above 2**32-1: 400', ['user', 'branch']),
  entry('scalarlg', '4475', '3.1.2.5', { status: null }, 'a response with scalars out of range: discarded', ['via']),
  entry('quotbal', '4475', '3.1.2.6', { status: [400] }, 'unterminated quoted display name: 400', ['branch']),
  entry('ltgtruri', '4475', '3.1.2.7', { status: [400] }, 'Request-URI in <>: 400', []),
  entry('lwsruri', '4475', '3.1.2.8', { status: [400] }, 'LWS inside the Request-URI: 400', ['branch']),
  entry('lwsstart', '4475', '3.1.2.9', { status: [400, 180] }, 'several SP in the Request-Line: 400 (or, liberally, ring)', ['branch']),
  entry('trws', '4475', '3.1.2.10', { status: [400, 200] }, 'SP after SIP/2.0: 400 (or, liberally, 200)', ['user', 'branch']),
  entry('escruri', '4475', '3.1.2.11', { status: [400, 180] }, 'escaped headers in the Request-URI: 400 (or ignore them and ring)', ['branch']),
  entry('baddate', '4475', '3.1.2.12', { status: [180, 400], rings: 'caller' }, 'a UA that does not use Date ignores the non-GMT zone and rings (400 is allowed)', ['branch']),
  entry('regbadct', '4475', '3.1.2.13', { status: [400, ...ANY_UA_REJECT_OF_REGISTER] }, 'escaped header in an addr-spec Contact: 400 (a liberal UA: 405, no registrar)', ['user', 'branch']),
  entry('badaspec', '4475', '3.1.2.14', { status: [400, 200] }, 'spaces in the To addr-spec: 400 (or ignore them)', ['branch']),
  entry('baddn', '4475', '3.1.2.15', { status: [400, 200] }, 'unquoted display names with non-token characters: 400 (or infer the quotes)', ['user', 'branch']),
  entry('badvers', '4475', '3.1.2.16', { status: [505] }, 'SIP/7.0: 505 Version Not Supported', ['user', 'branch']),
  entry('mismatch01', '4475', '3.1.2.17', { status: [400] }, 'Request-Line method OPTIONS, CSeq method INVITE: 400', ['branch']),
  entry('mismatch02', '4475', '3.1.2.18', { status: [501, 400] }, 'unknown method with a CSeq that does not match: 501 (400 allowed)', ['branch']),
  entry('bigcode', '4475', '3.1.2.19', { status: null }, 'status code above 699: dropped', ['via']),
  // RFC 4475 3.2: transaction layer
  entry('badbranch', '4475', '3.2.1', { status: [200, 400] }, 'branch "z9hG4bK" with no identifier: do not break; fall back to RFC 2543 matching (200) or 400', []),
  // RFC 4475 3.3: application layer
  entry('insuf', '4475', '3.3.1', { status: [400] }, 'no Call-ID, From or To: do not break; 400', ['branch']),
  entry('unkscm', '4475', '3.3.2', { status: [416] }, 'unknown Request-URI scheme: 416', ['branch']),
  entry('novelsc', '4475', '3.3.3', { status: [416] }, 'soap.beep Request-URI: 416', ['branch']),
  entry('unksm2', '4475', '3.3.4', { status: [400, ...ANY_UA_REJECT_OF_REGISTER] }, 'unknown schemes in To, From, Contact: 400 (a UA, no registrar: 405)', ['user', 'branch']),
  entry('bext01', '4475', '3.3.5', { status: [420] }, 'Require with unknown extensions: 420 Bad Extension listing them in Unsupported; Proxy-Require is ignored by a UA', ['branch']),
  entry('invut', '4475', '3.3.6', { status: [415] }, 'body of an unknown Content-Type: 415 with Accept', ['branch']),
  entry('regaut01', '4475', '3.3.7', { status: ANY_UA_REJECT_OF_REGISTER }, 'unknown Authorization scheme on a REGISTER: a UA is no registrar, 405', ['user', 'branch']),
  entry('multi01', '4475', '3.3.8', { status: [400] }, 'several Call-ID, To, From, CSeq, Max-Forwards: 400', ['branch']),
  entry('mcl01', '4475', '3.3.9', { status: [400] }, 'two different Content-Length values: 400', ['branch']),
  entry('bcast', '4475', '3.3.10', { status: null }, 'a 200 whose second Via is broadcast: nothing is sent to it; matches no request: dropped', ['via']),
  entry('zeromf', '4475', '3.3.11', { status: [200] }, 'Max-Forwards 0 at its destination: answered normally, 200', ['branch']),
  entry('cparam01', '4475', '3.3.12', { status: ANY_UA_REJECT_OF_REGISTER }, 'REGISTER with a contact parameter: a UA is no registrar, 405', ['user', 'branch']),
  entry('cparam02', '4475', '3.3.13', { status: ANY_UA_REJECT_OF_REGISTER }, 'REGISTER with a URI parameter: 405', ['user', 'branch']),
  entry('regescrt', '4475', '3.3.14', { status: ANY_UA_REJECT_OF_REGISTER }, 'REGISTER with an escaped header in the Contact URI: 405', ['user', 'branch']),
  entry('sdp01', '4475', '3.3.15', { status: [406] }, 'Accept lists no type the UA can answer in: 406 Not Acceptable', ['branch']),
  // RFC 4475 3.4: backward compatibility
  entry('inv2543', '4475', '3.4.1', { status: [400, 180] }, 'an RFC 2543 INVITE (no branch, Max-Forwards or Contact): an element keeping RFC 2543 compatibility may ring; without a Contact (RFC 3261 8.1.1.8) the phone could never reach the caller again, so 400', ['user']),
  // RFC 5118 4: IPv6
  entry('ipv6-good', '5118', '4.1', { status: ANY_UA_REJECT_OF_REGISTER }, 'IPv6 references in Request-URI, Via, Contact parse: a UA answers REGISTER 405', ['user', 'branch']),
  entry('ipv6-bad', '5118', '4.2', { status: [400] }, 'IPv6 Request-URI host without [ ]: 400', ['user', 'branch']),
  entry('port-ambiguous', '5118', '4.3', { status: ANY_UA_REJECT_OF_REGISTER }, '[2001:db8::10:5070] parses as an address: 405 to the REGISTER', ['user', 'branch']),
  entry('port-unambiguous', '5118', '4.4', { status: ANY_UA_REJECT_OF_REGISTER }, 'port after the ]: 405 to the REGISTER', ['user', 'branch']),
  entry('via-received-param-with-delim', '5118', '4.5', { status: [481] }, 'received=[...] in Via: parse the top Via and go on; BYE for no dialog of ours: 481', ['user', 'branch']),
  entry('via-received-param-no-delim', '5118', '4.5', { status: [200] }, 'received= without [ ]: valid, OPTIONS gets 200', ['user', 'branch']),
  entry('ipv6-in-sdp', '5118', '4.6', { status: [180], rings: 'user' }, 'IPv6 addresses in SDP: valid INVITE, ring', ['branch', 'length']),
  entry('mult-ip-in-header', '5118', '4.7', { status: [481] }, 'IPv4 and IPv6 Vias mixed: valid; BYE for no dialog of ours: 481', ['branch']),
  entry('mult-ip-in-sdp', '5118', '4.8', { status: [180], rings: 'user' }, 'IPv4 and IPv6 c= lines: valid INVITE, ring', ['branch', 'length']),
  entry('ipv4-mapped-ipv6', '5118', '4.9', { status: [180], rings: 'user' }, 'IPv4-mapped IPv6 addresses: valid INVITE, ring', ['branch', 'length']),
  entry('ipv6-bug-abnf-3-colons', '5118', '4.10', { status: [200, 400] }, 'an extra colon in the IPv6 reference: parse it robustly (200) or 400', ['branch']),
  entry('ipv6-correct-abnf-2-colons', '5118', '4.10', { status: [200] }, 'the correct form: OPTIONS gets 200', ['branch']),
];
