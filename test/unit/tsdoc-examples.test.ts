// Every `@example` in the TSDoc of src/ must compile against the public API, so the docs users
// see in their editor cannot drift from the code.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, '.tmp/tsdoc-examples');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The `@example` blocks of a file: the comment lines after the tag, up to the next tag or the end. */
function examples(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/@example\n((?:\s*\* (?!@).*\n)+)/g)].map((m) =>
    m[1]!.split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n'),
  );
}

const PREAMBLE = `import * as kit from '../../src/index.js';
import { createEventStream, EventSource, isSSEKitError } from '../../src/index.js';
declare const stream: kit.EventStream<{ tick: { n: number }; done: unknown }>;
declare const error: unknown;
declare const token: string;
void kit; void createEventStream; void EventSource; void isSSEKitError; void stream; void error; void token;
`;

it('every TSDoc @example in src/ compiles against the public API', () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  for (const file of sources(join(root, 'src'))) {
    examples(file).forEach((code, i) => {
      const name = join(out, `${file.slice(root.length + 5).replace(/[/.]/g, '_')}_${i}.ts`);
      writeFileSync(name, `${PREAMBLE}export async function example() {\n${code}\n}\n`);
      files.push(name);
    });
  }
  expect(files.length).toBeGreaterThanOrEqual(5);
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.includes(resolve(d.file.fileName)))
    .map((d) => `${d.file!.fileName.slice(out.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(problems).toEqual([]);
}, 30_000);
