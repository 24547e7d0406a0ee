import { expect } from 'chai';
import { ConnectionGrace, LOST_REASON, NOT_CONTINUED_REASON, type GraceCall } from '../../src/worker/sip/connection-grace.ts';

const GRACE = 80;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A phone with some calls; `resumable` says which connected calls the other side takes back. */
function phone(calls: GraceCall[], resumable: Set<string> = new Set()) {
  const said: string[] = [];
  const live = new Map(calls.map((c) => [c.id, c]));
  const grace = new ConnectionGrace(
    {
      calls: () => [...live.values()],
      lost: async (id) => void said.push(`${id} lost`),
      back: async (id) => void said.push(`${id} back`),
      resume: async (id) => {
        said.push(`${id} re-INVITE`);
        if (!resumable.has(id)) throw new Error('408 Request Timeout');
      },
      end: (id, reason) => {
        said.push(`${id} ended: ${reason}`);
        live.delete(id);
      },
    },
    GRACE,
  );
  return { grace, said, live };
}

describe('ConnectionGrace', () => {
  it('tells every call at once, and ends them all when the connection is not back within the grace', async () => {
    const { grace, said } = phone([{ id: 'a', connected: true }, { id: 'b', connected: false }]);
    grace.connectionLost();
    grace.connectionLost(); // the same loss reported again
    await sleep(0);
    expect(said).to.deep.equal(['a lost', 'b lost']);
    await sleep(GRACE + 40);
    expect(said.slice(2)).to.deep.equal([`a ended: ${LOST_REASON}`, `b ended: ${LOST_REASON}`]);
  });

  it('back within the grace: a call the other side takes back goes on, one it does not ends saying why, a ringing one waits', async () => {
    const { grace, said, live } = phone(
      [{ id: 'kept', connected: true }, { id: 'gone', connected: true }, { id: 'ringing', connected: false }],
      new Set(['kept']),
    );
    grace.connectionLost();
    await grace.connectionBack();
    expect(said.slice(3)).to.deep.equal([
      'kept re-INVITE', 'kept back', 'gone re-INVITE', `gone ended: ${NOT_CONTINUED_REASON}`, 'ringing back',
    ]);
    expect([...live.keys()]).to.deep.equal(['kept', 'ringing']);
    await sleep(GRACE + 40);
    expect(said).to.have.length(8);
  });

  it('a call that ended by itself, and a call started after the loss, are left alone', async () => {
    const { grace, said, live } = phone([{ id: 'a', connected: true }]);
    grace.connectionLost();
    live.delete('a');
    grace.forget('a');
    live.set('new', { id: 'new', connected: true });
    await sleep(GRACE + 40);
    expect(said).to.deep.equal(['a lost']);
    await grace.connectionBack();
    expect(said).to.deep.equal(['a lost']);
  });
});
