// The conformance cases (test/conformance/cases.ts) against sse-kit's EventSource over real sockets.
// The same data can drive the browser's own EventSource; see the header of cases.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/index.js';
import { CASES } from '../conformance/cases.js';
import { type EventSourceClass, observe } from '../conformance/observe.js';
import { type CaseServers, expectedEvents, planFor, requestsAsExpected, startCaseServers } from '../conformance/serve.js';

// Browsers wait ~3 s before reconnecting when the server sent no `retry:`; 30 ms keeps the
// first-connection network error case fast. Settling 250 ms (> 8 reconnection times) catches a
// reconnection that should not happen.
const TIMING = { settleMs: 250, timeoutMs: 5000 };
const INIT = { reconnectionTime: 30 };

let servers: CaseServers;
beforeAll(async () => {
  servers = await startCaseServers(CASES);
});
afterAll(() => servers.close());

describe.concurrent('EventSource conformance (Node, real sockets)', () => {
  CASES.forEach((c, index) => {
    it(`${c.name} [${c.source}]`, async () => {
      const vars = servers.vars(index);
      const plan = { ...planFor(c, vars, TIMING), init: INIT };
      const events = await observe(EventSource as unknown as EventSourceClass, plan);
      expect(events).toEqual(expectedEvents(c, vars));
      expect(requestsAsExpected(c, servers.requests(index))).toEqual(c.expect.requests);
    });
  });
});
