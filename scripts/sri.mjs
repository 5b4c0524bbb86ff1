// Prints the Subresource Integrity hash of the CDN bundle, for the <script integrity="…"> tag.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const file = 'dist/sse-kit.min.js';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const hash = createHash('sha384').update(readFileSync(file)).digest('base64');
console.log(`${file}  integrity="sha384-${hash}"  (sse-kit@${version})`);
