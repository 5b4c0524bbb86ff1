// What each client costs a browser app: the same tiny app bundled the same way for every client
// (esbuild --bundle --minify, format esm, platform browser; compression from scripts/size.mjs), min+gzip -9 and brotli -q 11.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle as bundleApp, compressed } from '../../scripts/size.mjs';

/**
 * The app minified as a browser app bundler would: platform 'browser', so packages without an
 * `exports` map resolve through `module`/`main` (the core's own budget check bundles with platform
 * 'neutral', which resolves none of those: @microsoft/fetch-event-source has only `main` and `module`).
 */
const bundle = (entry) => bundleApp(entry, [], 'browser');

/** [label, app source]. The app keeps the import alive through a global so nothing is tree-shaken away. */
const APPS = [
  ['sse-kit: app importing only `createEventStream`', `import { createEventStream } from './dist/index.js'; globalThis.x = createEventStream;`],
  ['sse-kit: `EventSource` class only', `import { EventSource } from './dist/index.js'; globalThis.x = EventSource;`, 'EventSource'],
  ['sse-kit: everything (`import *`)', `import * as all from './dist/index.js'; globalThis.x = all;`],
  ['eventsource-parser 4.1.3 alone (`createParser`)', `import { createParser } from 'eventsource-parser'; globalThis.x = createParser;`],
  [
    'bare fetch + eventsource-parser loop',
    `import { createParser } from 'eventsource-parser';
     globalThis.x = async (url, onEvent) => {
       const parser = createParser({ onEvent });
       const reader = (await fetch(url, { headers: { accept: 'text/event-stream' } })).body.getReader();
       const decoder = new TextDecoder();
       for (;;) { const { done, value } = await reader.read(); if (done) break; parser.feed(decoder.decode(value, { stream: true })); }
     };`,
  ],
  ['eventsource 4.1.1 (`EventSource`)', `import { EventSource } from 'eventsource'; globalThis.x = EventSource;`],
  ['@microsoft/fetch-event-source 2.0.1', `import { fetchEventSource } from '@microsoft/fetch-event-source'; globalThis.x = fetchEventSource;`],
  ['eventsource-client 1.2.0', `import { createEventSource } from 'eventsource-client'; globalThis.x = createEventSource;`],
];

/** `distDir`: where index.js and sse-kit.min.js are (dist/ or the run's snapshot of it). Run from the project root. */
export async function measureSizes(distDir = 'dist') {
  const dir = resolve(distDir);
  const dist = await import(pathToFileURL(join(dir, 'index.js')).href);
  const rows = [];
  for (const [label, source, needs] of APPS) {
    if (needs && !(needs in dist)) {
      rows.push({ label, missing: `dist has no \`${needs}\` export yet` });
      continue;
    }
    rows.push({ label, ...compressed(await bundle(source.replace("'./dist/index.js'", JSON.stringify(join(dir, 'index.js'))))) });
  }
  rows.splice(3, 0, { label: 'sse-kit: dist/sse-kit.min.js (CDN file, IIFE, as built)', ...compressed(readFileSync(join(dir, 'sse-kit.min.js'))) });
  return rows;
}
