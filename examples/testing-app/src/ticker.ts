// A small live widget built on sse-kit: connection status, the latest price, and every price seen.
import { createEventStream, type StreamState } from 'sse-kit';

/** The events of the app's price stream. */
export type TickerEvents = { price: { symbol: string; price: number } };

/** Where the widget connects and how it authenticates. */
export interface TickerOptions {
  url: string;
  /** The current access token, read before every connection attempt. */
  token?: () => string;
  /** Gets a new token after a 401; the widget then reconnects at once. */
  refresh?: () => Promise<void>;
}

const LABELS: Record<StreamState, string> = {
  connecting: 'connecting…',
  open: 'live',
  retrying: 'reconnecting…',
  paused: 'paused',
  closed: 'offline',
};

/** Renders the widget into `root`; returns the function that unmounts it. */
export function mountTicker(root: HTMLElement, { url, token, refresh }: TickerOptions): () => void {
  root.innerHTML = '<p role="status">connecting…</p><p class="price">–</p><ol class="history"></ol>';
  const status = root.querySelector('[role="status"]')!;
  const price = root.querySelector('.price')!;
  const history = root.querySelector('.history')!;
  const stream = createEventStream<TickerEvents>(url, {
    ...(token && { headers: () => ({ authorization: `Bearer ${token()}` }) }),
    ...(refresh && { onUnauthorized: refresh }),
    heartbeatTimeout: 30_000,
    onStateChange: (state) => {
      status.textContent = LABELS[state];
    },
  });
  stream.on('price', (tick) => {
    price.textContent = `${tick.symbol} ${tick.price.toFixed(2)}`;
    history.insertAdjacentHTML('beforeend', `<li>${tick.price}</li>`);
  });
  return () => stream.close();
}
