/**
 * A controllable stand-in for the browser's EventSource, for native-transport tests in jsdom.
 * Every instance is kept in `FakeEventSource.instances`; drive it with open(), emit(), fail().
 */
export class FakeEventSource extends EventTarget {
  static instances: FakeEventSource[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly url: string;
  readonly withCredentials: boolean;
  lastEventId = '';

  constructor(url: string, init?: { withCredentials?: boolean }) {
    super();
    this.url = url;
    this.withCredentials = init?.withCredentials ?? false;
    FakeEventSource.instances.push(this);
  }

  static get last(): FakeEventSource {
    const es = FakeEventSource.instances.at(-1);
    if (!es) throw new Error('no FakeEventSource was created');
    return es;
  }

  static reset(): void {
    FakeEventSource.instances = [];
  }

  /** Types that currently have a listener (besides onmessage). */
  readonly listened = new Set<string>();
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listened.add(type);
    super.addEventListener(type, listener);
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  /** Dispatches a message event the way the browser does (lastEventId persists across events). */
  emit(type: string, data: string, id?: string): void {
    if (this.readyState === 2) return;
    if (id !== undefined) this.lastEventId = id;
    this.dispatchEvent(new MessageEvent(type, { data, lastEventId: this.lastEventId }));
  }

  /** An error: CONNECTING means the browser would reconnect, CLOSED means it failed for good. */
  fail(readyState: 0 | 2 = 0): void {
    this.readyState = readyState;
    this.onerror?.(new Event('error'));
  }

  close(): void {
    this.readyState = 2;
  }
}
