// The page side of the browser conformance run: a test page that loads the CDN bundle and defines
// `runCase(impl, plan)`, which plays one case with test/conformance/observe.ts against the
// browser's own EventSource ('chromium', the reference) or sse-kit's ('sse-kit').
import type { Observation } from '../conformance/cases.js';
import { type ObservePlan, observe } from '../conformance/observe.js';
import { testPageHtml } from '../helpers/page-origin.js';

export type Implementation = 'chromium' | 'sse-kit';

declare global {
  interface Window {
    runCase(impl: Implementation, plan: ObservePlan): Promise<Observation[]>;
  }
}

/** The runner page; `observe` is shipped as its source (it is self-contained for that purpose). */
export function conformancePageHtml(bundleUrl: string): string {
  return testPageHtml(
    bundleUrl,
    `const observe = ${observe.toString()};
window.runCase = (impl, plan) => observe(impl === 'chromium' ? window.EventSource : window.SSEKit.EventSource, plan);`,
  );
}
