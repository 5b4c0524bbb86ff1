import { DecodeError, type RawEvent, type SSEKitError } from './errors.js';
import type { StandardSchemaV1, StreamOptions } from './types.js';

/**
 * Turns raw events into values, in order: decode, then validate (schemas may be async; later events
 * wait behind a pending one), then `deliver`. Failures are `DecodeError`s; the event is skipped.
 */
export class Dispatcher {
  readonly #decode: (raw: string, type: string) => unknown;
  /** Under `json`, empty data is a keep-alive (`data:` + blank line), not an event that fails to parse. */
  readonly #skipEmpty: boolean;
  #pending: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    decode: StreamOptions['decode'],
    private readonly schemas: Record<string, StandardSchemaV1 | undefined> | undefined,
    private readonly deliver: (raw: RawEvent, value: unknown) => void,
    private readonly report: (error: SSEKitError) => void,
  ) {
    this.#decode = decode === 'text' ? (raw) => raw : typeof decode === 'function' ? decode : (raw) => JSON.parse(raw);
    this.#skipEmpty = decode === undefined || decode === 'json';
  }

  /** Settles once every event dispatched so far is delivered (or failed); undefined when none waits. */
  get settled(): Promise<void> | undefined {
    return this.#pending;
  }

  dispatch(raw: RawEvent): void {
    if (this.#skipEmpty && raw.data === '') return;
    let value: unknown;
    try {
      value = this.#decode(raw.data, raw.type);
    } catch (cause) {
      return this.report(new DecodeError(this.url, raw, cause));
    }
    // Own keys only: an event named `constructor` or `__proto__` must not find Object's members.
    const schema = this.schemas && Object.hasOwn(this.schemas, raw.type) ? this.schemas[raw.type] : undefined;
    if (!schema && !this.#pending) return this.deliver(raw, value);
    let validated: ReturnType<StandardSchemaV1['~standard']['validate']>;
    try {
      validated = schema ? schema['~standard'].validate(value) : { value };
    } catch (cause) {
      return this.report(new DecodeError(this.url, raw, cause));
    }
    const settle = (result: { value?: unknown; issues?: readonly unknown[] }) => {
      if (result.issues) this.report(new DecodeError(this.url, raw, undefined, result.issues));
      else this.deliver(raw, result.value);
    };
    if (!(validated instanceof Promise) && !this.#pending) return settle(validated);
    const chain: Promise<void> = (this.#pending ?? Promise.resolve())
      .then(() => validated)
      .then(settle, (cause) => this.report(new DecodeError(this.url, raw, cause)))
      .then(() => {
        if (this.#pending === chain) this.#pending = undefined;
      });
    this.#pending = chain;
  }
}
