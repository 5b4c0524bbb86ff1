// docs/testing.md shows tested code only: its first example is test/testing/first-test.test.ts and
// every recipe is an excerpt of the example app's tests, word for word.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const doc = read('docs/testing.md');
const blocks = (text: string) => [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const section = (from: string, to: string) => doc.slice(doc.indexOf(from), doc.indexOf(to));

it('the first example is a test that runs', () => {
  const [first] = blocks(section('## A first test', '## Connecting'));
  expect(read('test/testing/first-test.test.ts')).toContain(first);
});

it('every recipe is in the example app tests, word for word', () => {
  const dir = 'examples/testing-app/test/';
  const tests = readdirSync(new URL(`../../${dir}`, import.meta.url)).map((file) => read(dir + file)).join('\n');
  const recipes = blocks(section('## Recipes', '## Compared'));
  expect(recipes.length).toBe(7);
  for (const recipe of recipes) expect(tests, recipe.split('\n')[0]).toContain(recipe);
});
