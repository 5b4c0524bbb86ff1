// The cluster example in one command: two instances (separate processes) on one Redis, behind
// the round-robin proxy. Needs a redis-server (REDIS_PORT, default 6379) and `npm run build`.
//
//   REDIS_PORT=6379 PORT=3000 node examples/servers/cluster/run.js
//
// Then: curl -N localhost:3000/events   and   curl -d '{"text":"hi"}' localhost:3000/messages
// Each request goes to the next instance; every subscriber sees every message, whichever
// instance took the POST; kill one instance and clients resume on the other.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startProxy } from './proxy.js';

const instanceFile = fileURLToPath(new URL('./instance.js', import.meta.url));
const children = [];

/** Forks instance `name` on a free port; resolves with its URL once it listens. */
function forkInstance(name) {
  return new Promise((resolve, reject) => {
    const child = fork(instanceFile, [], { env: { ...process.env, PORT: '0', INSTANCE: name }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    children.push(child);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (line) => {
      const url = /listening on (\S+)/.exec(line)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`instance ${name} exited (${code})`)));
  });
}

const targets = await Promise.all(['a', 'b'].map(forkInstance));
const proxy = await startProxy(targets, Number(process.env.PORT ?? 3000));
console.log(`proxy listening on ${proxy.url} → ${targets.join(', ')}`);

const stop = async () => {
  await proxy.close();
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
