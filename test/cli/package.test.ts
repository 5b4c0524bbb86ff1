// The command as a user installs it: the packed tarball in an empty project, run through npx
// and through the bin link npm creates (shebang, executable bit, `sse-kit` self-import).
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltCli, root } from '../helpers/cli.js';
import { sseHead, startServer, type TestServer } from '../helpers/http-server.js';

const work = join(root, '.tmp/cli-package-test');
const consumer = join(work, 'consumer');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let server: TestServer;

beforeAll(async () => {
  ensureBuiltCli();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(consumer, { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim();
  writeFileSync(join(consumer, 'package.json'), '{"name":"consumer","private":true}');
  const tarball = join(work, name.split('\n').at(-1)!);
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: consumer });
  server = await startServer((_req, res) => {
    sseHead(res);
    res.end('id: 7\nevent: tick\ndata: {"n":7}\n\n');
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const exec = promisify(execFile);

describe('sse-kit command from the installed tarball', () => {
  it('npx sse-kit --version prints the package version', async () => {
    const { stdout } = await exec('npx', ['sse-kit', '--version'], { cwd: consumer, timeout: 30_000 });
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('the bin link is an executable script that streams with the installed library', async () => {
    const bin = join(consumer, 'node_modules/.bin/sse-kit');
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const { stdout } = await exec(bin, [server.url, '-n', '1'], { cwd: consumer, timeout: 10_000 });
    expect(stdout).toMatch(/^\{"ts":"[^"]+","id":"7","type":"tick","data":\{"n":7\}\}\n$/);
  });
});
