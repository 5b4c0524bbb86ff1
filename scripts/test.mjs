// `npm test`: every gate in order, stopping at the first failure. Ends with the plain
// "N passed, N failed" line that CI reads.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const steps = [
  ['build', 'npm', ['run', '--silent', 'build']],
  ['typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['lint', 'npx', ['biome', 'lint', '--error-on-warnings', '.']],
  [
    'tests',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-output/vitest.json', ...process.argv.slice(2)],
  ],
  // Every bench section once on tiny streams (~1 min): fails on a wrong event count or checksum, a
  // crash or a missing Chromium, never on a ratio (timings on a shared CI box mean nothing).
  ['bench smoke', 'node', ['bench/run.mjs', '--quick']],
  ['size budget', 'node', ['scripts/size.mjs', '--check']],
];

rmSync('test-output/vitest.json', { force: true });
const started = Date.now();
let failedStep;
for (const [name, command, args] of steps) {
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`);
  const t = Date.now();
  const { status, error } = spawnSync(command, args, { stdio: 'inherit' });
  console.log(`  ${name}: ${status === 0 ? 'ok' : `FAILED (exit ${status ?? error?.message})`} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  if (status !== 0) {
    failedStep = name;
    break;
  }
}

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync('test-output/vitest.json', 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} catch {
  // The test step did not run or crashed before writing its report.
}
if (failedStep && failed === 0) failed = 1; // a failed gate counts as a failure even with no test
console.log(`\nnpm test ${failedStep ? `failed at "${failedStep}"` : 'passed'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedStep ? 1 : 0);
