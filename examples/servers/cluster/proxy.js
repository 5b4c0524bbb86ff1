// A tiny round-robin HTTP proxy (the load balancer of the cluster example): request i goes to
// target i mod n. Streams are piped as they come, with no buffering.
import { createServer, request } from 'node:http';

/** Starts the proxy on 127.0.0.1:`port` in front of `targets` (base URLs). */
export async function startProxy(targets, port = 0) {
  let next = 0;
  const server = createServer((req, res) => {
    const target = targets[next++ % targets.length];
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end('instance unreachable'));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
