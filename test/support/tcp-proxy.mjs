// A TCP proxy on 127.0.0.1 that can go silent: `blackhole()` stops forwarding in both directions but
// keeps every socket open (no FIN, no RST), as a network change does to a connection whose path is
// gone; `restore()` forwards again (for new connections; the silenced ones stay silent).
//
//   const proxy = await startTcpProxy(pbx.wsPort);
//   // ... the browser uses `ws://127.0.0.1:${proxy.port}` ...
//   proxy.blackhole();
import net from 'node:net';

export async function startTcpProxy(targetPort, targetHost = '127.0.0.1') {
  let silent = false;
  /** Pairs of [client, upstream] sockets, and whether each pair was silenced. */
  const pairs = new Set();
  const server = net.createServer((client) => {
    const pair = { client, upstream: net.connect(targetPort, targetHost), dead: silent };
    pairs.add(pair);
    const forward = (from, to) =>
      from.on('data', (chunk) => {
        // A silenced pair swallows bytes for good; the peers never hear of it.
        if (!pair.dead) to.write(chunk);
      });
    forward(client, pair.upstream);
    forward(pair.upstream, client);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream.destroy();
    };
    for (const s of [client, pair.upstream]) {
      s.on('error', close);
      // Closing is forwarded only while the path works: a blackhole hides it too.
      s.on('end', () => {
        if (!pair.dead) close();
      });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    url: `ws://127.0.0.1:${server.address().port}`,
    /** How many connections are open now (silenced ones included). */
    connections: () => pairs.size,
    blackhole() {
      silent = true;
      for (const pair of pairs) pair.dead = true;
    },
    restore() {
      silent = false;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
