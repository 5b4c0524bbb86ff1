// The `sse-kit` command end to end: the built dist/cli.js in a child process against a real
// node:http server, its stdout/stderr/exit code read as a user (or a script) would.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuiltCli, root, runCli, startCli } from '../helpers/cli.js';
import { sseHead, startServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer | undefined;
beforeAll(ensureBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>) {
  server = await startServer(handler);
  return server.url;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** Each NDJSON line with its `ts` checked (an ISO time within the test) and replaced by "T". */
function withoutTs(stdout: string): string[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => {
      const match = /^\{"ts":"([^"]+)",/.exec(line);
      expect(match, line).not.toBeNull();
      expect(Math.abs(Date.parse(match![1]!) - Date.now())).toBeLessThan(60_000);
      return line.replace(match![0], '{"ts":"T",');
    });
}

const WIRE =
  'retry: 10\n\n: a comment\n\n' +
  'id: 1\nevent: tick\ndata: {"n":1}\n\n' +
  'data: plain text\n\n' +
  'id: 2\nevent: multi\ndata: {"a":\ndata: [1, 2]}\n\n' +
  'id: é€\ndata: 12345678901234567890\n\n' +
  'data: line one\ndata: line two\n\n';

describe('sse-kit <url>: output', () => {
  it('prints NDJSON {ts,id,type,data} when stdout is a pipe, JSON data verbatim and text as a string', async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.end(WIRE);
    });
    const { code, stdout, stderr } = await runCli([url, '--no-reconnect']);
    expect(withoutTs(stdout)).toEqual([
      '{"ts":"T","id":"1","type":"tick","data":{"n":1}}',
      '{"ts":"T","id":"1","type":"message","data":"plain text"}',
      '{"ts":"T","id":"2","type":"multi","data":{"a": [1, 2]}}',
      '{"ts":"T","id":"é€","type":"message","data":12345678901234567890}',
      '{"ts":"T","id":"é€","type":"message","data":"line one\\nline two"}',
    ]);
    expect(stderr).toBe('sse-kit: the server ended the stream\n');
    expect(code).toBe(0);
  });

  it('on a terminal prints time, id, type and the data, JSON indented when it does not fit; NO_COLOR turns colours off', async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.end(
        'id: 1\nevent: tick\ndata: {"n":1}\n\n' +
          'id: 2\nevent: user\ndata: {"name":"Ada Lovelace","languages":["en","fr"],"active":true,"manager":null}\n\n' +
          'data: hello world\n\n',
      );
    });
    // `script` gives the command a real pseudo-terminal 60 columns wide.
    const hasScript = await promisify(execFile)('script', ['--version']).then(() => true, () => false);
    if (!hasScript) throw new Error('`script` (util-linux) is needed for a pseudo-terminal: apt-get install -y util-linux');
    const inTerminal = async (env: string) => {
      const command = `stty cols 60; ${env} ${process.execPath} ${cliPath} ${url} --no-reconnect`;
      const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: root, timeout: 10_000 });
      return stdout.replace(/\r\n/g, '\n');
    };
    const times = (text: string) => text.replace(/^\d\d:\d\d:\d\d\.\d\d\d /gm, 'HH:MM:SS.mmm ');
    const plain = await inTerminal('NO_COLOR=1');
    expect(times(plain)).toBe(
      [
        'HH:MM:SS.mmm #1 tick {"n":1}',
        'HH:MM:SS.mmm #2 user',
        '  {',
        '    "name": "Ada Lovelace",',
        '    "languages": [',
        '      "en",',
        '      "fr"',
        '    ],',
        '    "active": true,',
        '    "manager": null',
        '  }',
        'HH:MM:SS.mmm #2 message hello world',
        'sse-kit: the server ended the stream',
        '',
      ].join('\n'),
    );
    const coloured = await inTerminal('NO_COLOR=');
    expect(coloured).toContain('\x1b[1;36mtick\x1b[0m');
    expect(coloured).toContain('\x1b[34m"name"\x1b[0m: \x1b[32m"Ada Lovelace"\x1b[0m');
    expect(times(coloured.replace(/\x1b\[[\d;]*m/g, ''))).toBe(times(plain));
  });

  it('--raw prints the bytes as received, comments and retry: lines included', async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.end(WIRE);
    });
    const { code, stdout } = await runCli([url, '--raw', '--no-reconnect']);
    expect(stdout).toBe(WIRE);
    expect(code).toBe(0);
  });

  it('-e prints only the given types; -i prints the status and headers to stderr', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-trace': 'abc' });
      res.end('event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n');
    });
    const { code, stdout, stderr } = await runCli([url, '-e', 'a', '-e', 'c', '-i', '--no-reconnect']);
    expect(withoutTs(stdout)).toEqual(['{"ts":"T","id":"","type":"a","data":1}', '{"ts":"T","id":"","type":"c","data":3}']);
    expect(stderr).toMatch(/^HTTP 200 OK\n(.+\n)*content-type: text\/event-stream\n(.+\n)*x-trace: abc\n\n/);
    expect(code).toBe(0);
  });
});

describe('sse-kit <url>: requests', () => {
  it('sends -H headers and --last-event-id on the first request', async () => {
    const url = await serve((req, res) => {
      sseHead(res);
      res.end(`data: ${JSON.stringify({ auth: req.headers.authorization, id: req.headers['last-event-id'], x: req.headers['x-a'] })}\n\n`);
    });
    const { stdout } = await runCli([url, '-H', 'Authorization: Bearer t0k', '-H', 'X-A:  b ', '--last-event-id', '41', '-n', '1']);
    // The event has no id: line, so its id is the last one, the resumed 41 (as MessageEvent.lastEventId).
    expect(withoutTs(stdout)).toEqual(['{"ts":"T","id":"41","type":"message","data":{"auth":"Bearer t0k","id":"41","x":"b"}}']);
  });

  it('sends user:password from the URL as Basic auth, as curl does (fetch would refuse the URL)', async () => {
    const url = await serve((req, res) => {
      sseHead(res);
      res.end(`data: ${JSON.stringify(req.headers.authorization)}\n\n`);
    });
    const { stdout } = await runCli([url.replace('http://', 'http://alice:s%40cret@'), '-n', '1']);
    const basic = `Basic ${Buffer.from('alice:s@cret').toString('base64')}`;
    expect(withoutTs(stdout)).toEqual([`{"ts":"T","id":"","type":"message","data":"${basic}"}`]);
  });

  it('POSTs the body read from stdin with -d @-, as JSON, and exits 0 when the answer ends', async () => {
    const seen: { method?: string; type?: string; body: string }[] = [];
    const url = await serve(async (req, res) => {
      seen.push({ method: req.method, type: req.headers['content-type'], body: await bodyOf(req) });
      sseHead(res);
      res.end('id: 1\nevent: token\ndata: {"token":"Hel"}\n\nid: 2\nevent: token\ndata: {"token":"lo"}\n\n');
    });
    const { code, stdout } = await runCli([url, '-d', '@-'], { input: '{"prompt":"hi"}\n' });
    expect(seen).toEqual([{ method: 'POST', type: 'application/json', body: '{"prompt":"hi"}\n' }]);
    expect(withoutTs(stdout)).toEqual([
      '{"ts":"T","id":"1","type":"token","data":{"token":"Hel"}}',
      '{"ts":"T","id":"2","type":"token","data":{"token":"lo"}}',
    ]);
    expect(code).toBe(0);
  });
});

describe('sse-kit <url>: life', () => {
  it('reconnects after a drop and prints the retry, its delay and the Last-Event-ID it sends', async () => {
    const url = await serve((_req, res, index) => {
      sseHead(res);
      if (index === 0) {
        res.write('retry: 20\n\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\ndata: 3\n\n');
        setTimeout(() => res.socket?.destroy(), 50);
      } else {
        res.write(`id: 4\ndata: 4\n\nid: 5\ndata: 5\n\n`);
      }
    });
    const { code, stdout, stderr } = await runCli([url, '-n', '5']);
    expect(withoutTs(stdout).map((line) => JSON.parse(line.replace('"T"', '0')).id)).toEqual(['1', '2', '3', '4', '5']);
    // The failure's wording is the library's; the CLI adds the retry, its delay and the id it sends.
    expect(stderr).toMatch(/^sse-kit: [^\n]*; retry #1 in \d+ ms with Last-Event-ID: 3\n/);
    expect(stderr).toContain('sse-kit: reconnected: HTTP 200');
    expect(server!.requests.map((req) => req.headers['last-event-id'])).toEqual([undefined, '3']);
    expect(code).toBe(0);
  });

  it('exits 1 on 401 with the status in the message, without a stack trace or a retry', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
    });
    const { code, stdout, stderr } = await runCli([url]);
    // One line, from the library's HttpStatusError: the status, the URL and the start of the body.
    expect(stderr).toMatch(/^sse-kit: [^\n]*\b401\b[^\n]*\n$/);
    expect(stderr).toContain(url);
    expect(stderr).toContain('{"error":"unauthorized"}');
    expect(stdout).toBe('');
    expect(server!.requests).toHaveLength(1);
    expect(code).toBe(1);
  });

  it('exits 1 on a wrong content type and when retries are used up, naming the last failure', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>login</h1>');
    });
    const wrong = await runCli([html]);
    expect(wrong.stderr).toMatch(/^sse-kit: [^\n]*text\/event-stream[^\n]*"text\/html"[^\n]*\n$/);
    expect(wrong.code).toBe(1);
    await server!.close();
    const down = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '0' });
      res.end();
    });
    const exhausted = await runCli([down, '--max-retries', '1']);
    const lines = exhausted.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^sse-kit: [^\n]*\b503\b[^\n]*; retry #1 in 0 ms without Last-Event-ID$/);
    // The give-up message, then the last failure behind it.
    expect(lines[1]).toMatch(/^sse-kit: .+: [^\n]*\b503\b/);
    expect(lines[1]!.indexOf('503')).toBeGreaterThan(lines[1]!.indexOf(down) + down.length);
    expect(exhausted.code).toBe(1);
  });

  it('names the socket error behind a failed connection (ECONNREFUSED), and with --no-reconnect does not retry', async () => {
    const url = await serve(() => {});
    await server!.close(); // nothing listens on this port any more
    const { code, stderr } = await runCli([url, '--no-reconnect']);
    expect(stderr).toMatch(/^sse-kit: [^\n]*: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/);
    expect(code).toBe(1);
  });

  it('exits 0 on 204 No Content', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const { code, stderr } = await runCli([url]);
    expect(stderr).toBe('sse-kit: HTTP 204 No Content: the server says there is nothing more\n');
    expect(code).toBe(0);
  });

  it('exits 0 quietly when the reader closes the pipe (| head -1)', async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      let n = 0;
      const timer = setInterval(() => res.write(`id: ${++n}\ndata: ${n}\n\n`), 5);
      res.on('close', () => clearInterval(timer));
    });
    const script = `"${process.execPath}" "${cliPath}" ${url} | head -1; echo "exit \${PIPESTATUS[0]}"`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script], { timeout: 10_000 });
    expect(stdout).toMatch(/^\{"ts":"[^"]+","id":"1","type":"message","data":1\}\nexit 0\n$/);
    expect(stderr).toBe('');
  });

  it('on Ctrl-C prints the last id with the command to resume, and exits 130', async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.write('id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 42\ndata: 3\n\n');
    });
    const cli = startCli([url]);
    await cli.waitFor('"id":"42"');
    cli.child.kill('SIGINT');
    const { code, stderr } = await cli.done;
    expect(stderr).toBe('sse-kit: last id: 42 (resume with --last-event-id 42)\n');
    expect(code).toBe(130);
  });

  it('--until done stops an LLM-like stream at its done event, even if the server goes on', async () => {
    const url = await serve(async (req, res) => {
      await bodyOf(req);
      sseHead(res);
      let i = 0;
      const words = ['The', ' answer', ' is', ' 42'];
      const timer = setInterval(() => {
        if (i < words.length) res.write(`id: ${++i}\nevent: token\ndata: ${JSON.stringify({ token: words[i - 1] })}\n\n`);
        else res.write(`event: done\ndata: {"finish_reason":"stop"}\n\n`);
      }, 5);
      res.on('close', () => clearInterval(timer));
    });
    const all = await runCli([url, '-d', '{"prompt":"?"}', '--until', 'done']);
    expect(withoutTs(all.stdout).map((line) => JSON.parse(line.replace('"T"', '0')))).toEqual([
      { ts: 0, id: '1', type: 'token', data: { token: 'The' } },
      { ts: 0, id: '2', type: 'token', data: { token: ' answer' } },
      { ts: 0, id: '3', type: 'token', data: { token: ' is' } },
      { ts: 0, id: '4', type: 'token', data: { token: ' 42' } },
      { ts: 0, id: '4', type: 'done', data: { finish_reason: 'stop' } },
    ]);
    expect(all.code).toBe(0);
    const tokens = await runCli([url, '-d', '{"prompt":"?"}', '--until', 'done', '-e', 'token']);
    expect(withoutTs(tokens.stdout)).toHaveLength(4);
    expect(tokens.code).toBe(0);
  });
});

describe('sse-kit: command line', () => {
  it('--help shows usage and examples; --version the package version; a bad flag exits 2', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toMatch(/^Usage: sse-kit <url> \[options\]/);
    expect(help.stdout).toContain('Examples');
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect((await runCli(['--version'])).stdout).toBe(`${version}\n`);
    const bad = await runCli(['http://x', '--max-retries', 'lots']);
    expect(bad.stderr).toBe(`sse-kit: --max-retries expects an integer >= 0, got "lots"\nTry 'sse-kit --help'.\n`);
    expect(bad.code).toBe(2);
    const missing = await runCli(['http://x', '-d', '@/no/such/file.json']);
    expect(missing.stderr).toMatch(/^sse-kit: -d @\/no\/such\/file\.json: ENOENT/);
    expect(missing.code).toBe(2);
  });
});
