// sse-kit/testing: scripted SSE servers for the tests of apps built on sse-kit. One script
// language served through fetch, msw (passed in by the user, never imported) and node:http.
export { mockServer } from './mock-server.js';
export type { Handler, HttpNamespace, Method, MockServer, MockServerOptions, Resolver } from './mock-server.js';
export type { Connection, Outcome } from './connection.js';
export type { MockFetch } from './fetch-adapter.js';
export type { ListenOptions, Listening } from './node-server.js';
export type { Encode, EventFields, Script } from './script.js';
