// Reading a call's trace out of Kamailio's log: when the INVITE left (PBX-RELAY, wall clock with
// microseconds) and which messages Kamailio received for it, from whom (PBX-MSG).

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Epoch ms (fractional) at which Kamailio relayed `method` of call `callId`. */
export async function relayTime(pbx, callId, method = 'INVITE', timeoutMs = 5000) {
  const line = await pbx.waitForLog(new RegExp(`PBX-RELAY ${method} t=(\\S+) cid=${escape(callId)}(\\s|$)`), timeoutMs);
  const [sec, usec = '0'] = /t=(\S+)/.exec(line)[1].split('.');
  return Number(sec) * 1000 + Number(usec.padEnd(6, '0')) / 1000;
}

/**
 * The SIP messages Kamailio received for `callId` from anyone but `exceptSrc` (the caller): the
 * callee side. Returns { total, bySrc: Map(src -> n), kinds: { '100 INVITE': n, ... } }.
 */
export function calleeMessages(pbx, callId, exceptSrc) {
  const bySrc = new Map();
  const kinds = {};
  let total = 0;
  for (const line of pbx.logs().split('\n')) {
    if (!line.includes('PBX-MSG ') || !line.includes(`cid=${callId}`)) continue;
    const m = /PBX-MSG (.*?) proto=\S+ src=(\S+) cid=(\S+)/.exec(line);
    if (!m || m[3] !== callId || m[2] === exceptSrc) continue;
    total++;
    bySrc.set(m[2], (bySrc.get(m[2]) ?? 0) + 1);
    kinds[m[1]] = (kinds[m[1]] ?? 0) + 1;
  }
  return { total, bySrc, kinds };
}
