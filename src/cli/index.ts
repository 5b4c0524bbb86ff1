// The `sse-kit` command (package.json `bin`): `sse-kit <url> [options]`, see help.ts.
// Built to dist/cli.js with a shebang; it imports the library as `sse-kit`, which Node resolves
// to this same package (self-reference through package.json `exports`).
import { createRequire } from 'node:module';
import { parseCommand, UsageError } from './args.js';
import { HELP } from './help.js';
import { EXIT, run } from './run.js';

/** Runs the command line `argv` in this process and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  // stderr may be a closed pipe too; a note that cannot be shown must not crash the stream.
  process.stderr.on('error', () => {});
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`sse-kit: ${error.message}\nTry 'sse-kit --help'.\n`);
    return EXIT.usage;
  }
  if (command.kind === 'help') return write(HELP);
  if (command.kind === 'version') {
    const { version } = createRequire(import.meta.url)('sse-kit/package.json') as { version: string };
    return write(`${version}\n`);
  }
  return run(command.options, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt: (handler) => process.once('SIGINT', handler),
  });
}

function write(text: string): number {
  process.stdout.write(text);
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  // Exit once stdout is flushed: a retry timer or a keep-alive socket must not hold the process.
  (code) => {
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
    // A destroyed stdout may never call back.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (error: unknown) => {
    process.stderr.write(`sse-kit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
