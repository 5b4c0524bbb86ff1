// The sse-kit live dashboard: plain browser JavaScript on top of the CDN build (global SSEKit).
// Three streams: /metrics (chart, resume integrity), /events (messages), /private (auth header).
(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const CHART_POINTS = 60;
  const TIMELINE_MS = 60_000;
  const LOG_ROWS = 12;
  const number = new Intl.NumberFormat('en-US');
  const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

  if (typeof SSEKit === 'undefined') {
    showBanner('Could not load /dist/sse-kit.min.js. Build it first: npm run build (npm start does it for you).', true);
    return;
  }

  // ---- state --------------------------------------------------------------------------------------

  const metrics = { points: [], lastSeen: undefined, missing: 0, duplicates: 0, received: 0 };
  const connection = { transport: 'auto', reconnects: 0, retries: [], segments: [] };
  let metricStream;
  // sse-kit/share: the tabs of this dashboard hold one connection per stream, not one per tab.
  const share = () => window.SSEKitShare?.shareAcrossTabs();

  // ---- /metrics: chart, resume integrity, connection state --------------------------------------

  /** (Re)creates the metric stream with the chosen transport, resuming after the last id seen. */
  function connectMetrics() {
    const resumeFrom = metricStream?.lastEventId || undefined;
    metricStream?.close();
    const self = {};
    const current = () => metricStream === self.stream;
    let opened = false;
    self.stream = SSEKit.createEventStream('/metrics', {
      transport: connection.transport,
      lastEventId: resumeFrom,
      share: share(),
      onRoleChange(role) {
        if (current()) renderRole(role);
      },
      retry: { initialDelay: 500, maxDelay: 8000 },
      onOpen() {
        if (!current()) return;
        if (opened) connection.reconnects += 1;
        opened = true;
        renderConnection();
      },
      onRetry({ attempt, delay, error }) {
        if (!current()) return;
        const why = delay === undefined ? 'connection lost, the browser reconnects' : describeError(error);
        connection.retries.unshift({ attempt, delay, why });
        connection.retries.length = Math.min(connection.retries.length, 5);
        renderConnection();
      },
      onStateChange(state) {
        if (current()) setState(state);
      },
      onClose(info) {
        if (current() && info.error) showBanner(`Metric stream closed: ${info.error.message}`, true);
      },
    });
    metricStream = self.stream;
    metricStream.on('metric', onMetric);
    setState(metricStream.state);
    renderRole(metricStream.role);
    $('transport').textContent = metricStream.transport === 'native' ? 'native EventSource' : 'fetch';
  }

  function onMetric(data, event) {
    const id = Number(event.id);
    // Resume must be gap-free: ids are sequential, so any jump is a lost event and any repeat a duplicate.
    if (metrics.lastSeen !== undefined) {
      if (id <= metrics.lastSeen) metrics.duplicates += 1;
      else if (id > metrics.lastSeen + 1) metrics.missing += id - metrics.lastSeen - 1;
    }
    metrics.lastSeen = Math.max(id, metrics.lastSeen ?? id);
    metrics.received += 1;
    metrics.points.push({ id, ...data });
    if (metrics.points.length > CHART_POINTS) metrics.points.shift();
    addLog('metric', event.id, `${data.rps} req/s · ${data.latency} ms`);
    renderMetrics(data, event.id);
  }

  function setState(state) {
    const now = Date.now();
    const last = connection.segments.at(-1);
    if (last?.state === state) return;
    if (last) last.to = now;
    connection.segments.push({ state, from: now, to: undefined });
    $('state').textContent = state;
    $('state-pill').dataset.state = state;
    renderTimeline();
  }

  function describeError(error) {
    if (!error) return 'server ended the stream';
    if (error.status) return `HTTP ${error.status}${error.retryAfter !== undefined ? ', Retry-After' : ''}`;
    return error.code === 'NETWORK' ? 'connection lost' : error.code.toLowerCase().replace('_', ' ');
  }

  // ---- rendering ---------------------------------------------------------------------------------

  function renderRole(role) {
    $('role').textContent = role === 'follower' ? 'follower (another tab connects)' : role;
  }

  function renderMetrics(latest, id) {
    $('rps').textContent = number.format(latest.rps);
    $('latency').textContent = latest.latency.toFixed(1);
    $('users').textContent = number.format(latest.users);
    $('last-id').textContent = id;
    $('received').textContent = number.format(metrics.received);
    setCount('missing', metrics.missing);
    setCount('duplicates', metrics.duplicates);
    const intact = metrics.missing === 0 && metrics.duplicates === 0;
    $('integrity').textContent = intact ? 'gap-free' : 'gaps detected';
    $('integrity').classList.toggle('bad', !intact);
    drawChart();
    drawSpark($('spark-rps'), metrics.points.map((p) => p.rps), '#4f46e5');
    drawSpark($('spark-latency'), metrics.points.map((p) => p.latency), '#0891b2');
  }

  function setCount(id, value) {
    const el = $(id);
    el.textContent = number.format(value);
    el.className = `num ${value === 0 ? 'good' : 'bad'}`;
  }

  function renderConnection() {
    $('reconnects').textContent = number.format(connection.reconnects);
    const list = $('retries');
    if (!connection.retries.length) return;
    list.replaceChildren(
      ...connection.retries.map(({ attempt, delay, why }) =>
        el('li', {}, [
          el('span', { class: 'attempt' }, `attempt ${attempt}`),
          // undefined: the browser's own EventSource reconnects (after the server's retry:, unseen).
          el('span', { class: 'delay' }, delay === undefined ? 'browser' : `${number.format(delay)} ms`),
          el('span', { class: 'why' }, why),
        ]),
      ),
    );
  }

  function drawChart() {
    const svg = $('chart');
    const { width, height } = svg.getBoundingClientRect();
    const pad = { left: 40, right: 8, top: 10, bottom: 18 };
    const values = metrics.points.map((p) => p.rps);
    const top = Math.max(100, Math.ceil(Math.max(...values, 0) / 200) * 200);
    const x = (i) => pad.left + (i / (CHART_POINTS - 1)) * (width - pad.left - pad.right);
    const y = (v) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
    const children = [];
    for (let k = 0; k <= 4; k++) {
      const v = (top / 4) * k;
      children.push(
        el('line', { class: 'grid-line', x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }, [], SVG),
        el('text', { class: 'axis-label', x: pad.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, number.format(v), SVG),
      );
    }
    // Newest sample on the right edge; the line grows in from the right until 60 samples arrived.
    const offset = CHART_POINTS - values.length;
    const pts = values.map((v, i) => `${x(i + offset).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length > 1) {
      const base = y(0).toFixed(1);
      const area = `M${x(offset).toFixed(1)},${base}L${pts.join('L')}L${x(CHART_POINTS - 1).toFixed(1)},${base}Z`;
      children.push(
        el('defs', {}, [
          el('linearGradient', { id: 'fill', x1: 0, x2: 0, y1: 0, y2: 1 }, [
            el('stop', { offset: '0%', 'stop-color': '#4f46e5', 'stop-opacity': 0.22 }, [], SVG),
            el('stop', { offset: '100%', 'stop-color': '#4f46e5', 'stop-opacity': 0 }, [], SVG),
          ], SVG),
        ], SVG),
        el('path', { d: area, fill: 'url(#fill)' }, [], SVG),
        el('path', { id: 'chart-line', d: `M${pts.join('L')}`, fill: 'none', stroke: '#4f46e5', 'stroke-width': 2, 'stroke-linejoin': 'round' }, [], SVG),
      );
      const [lx, ly] = pts.at(-1).split(',');
      children.push(el('circle', { cx: lx, cy: ly, r: 3.5, fill: '#fff', stroke: '#4f46e5', 'stroke-width': 2 }, [], SVG));
    }
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.dataset.points = String(values.length);
    svg.replaceChildren(...children);
  }

  function drawSpark(svg, values, color) {
    const { width, height } = svg.getBoundingClientRect();
    if (values.length < 2 || !width) return;
    const min = Math.min(...values);
    const span = Math.max(...values) - min || 1;
    const step = width / (CHART_POINTS - 1);
    const offset = CHART_POINTS - values.length;
    const d = values
      .map((v, i) => `${i ? 'L' : 'M'}${((i + offset) * step).toFixed(1)},${(2 + (1 - (v - min) / span) * (height - 4)).toFixed(1)}`)
      .join('');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.replaceChildren(el('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.6, opacity: 0.7 }, [], SVG));
  }

  const stateColor = { open: '#16a34a', connecting: '#f0b429', retrying: '#ea580c', paused: '#9ca3af', closed: '#9ca3af' };

  function renderTimeline() {
    const svg = $('timeline');
    const { width, height } = svg.getBoundingClientRect();
    if (!width) return;
    const now = Date.now();
    const start = now - TIMELINE_MS;
    const x = (t) => ((Math.max(t, start) - start) / TIMELINE_MS) * width;
    // Old segments fall off the left edge; keep the one that still covers it.
    while (connection.segments.length > 1 && connection.segments[1].from < start) connection.segments.shift();
    const rects = connection.segments.map((s) => {
      const x0 = x(s.from);
      // Short blips (a 300 ms reconnect) stay visible: at least 2 px wide.
      const w = Math.max(2, x(s.to ?? now) - x0);
      return el('rect', { x: x0, y: 0, width: w, height, fill: stateColor[s.state] }, [el('title', {}, s.state, SVG)], SVG);
    });
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.replaceChildren(...rects);
  }

  // ---- event log ---------------------------------------------------------------------------------

  function addLog(type, id, text) {
    const log = $('log');
    log.prepend(
      el('li', {}, [
        el('time', {}, clock.format(new Date())),
        el('span', { class: 'type', 'data-type': type }, type),
        el('span', { class: 'id' }, id ? `#${id}` : ''),
        el('span', { class: 'text' }, text),
      ]),
    );
    while (log.children.length > LOG_ROWS) log.lastElementChild.remove();
  }

  // ---- /events + POST /messages: the broadcast --------------------------------------------------

  const sent = new Set();
  const messageStream = SSEKit.createEventStream('/events', { retry: { initialDelay: 500, maxDelay: 8000 }, share: share() });
  messageStream.on('message', (message, event) => {
    const list = $('messages');
    list.querySelector('.empty')?.remove();
    // Ours if we sent this text and are still waiting for it (the event may beat the POST's answer).
    const mine = sent.delete(message.text);
    list.append(
      el('li', { class: mine ? 'mine' : '', 'data-id': event.id }, [
        el('span', { class: 'id' }, `#${event.id}`),
        el('span', { class: 'text' }, message.text),
      ]),
    );
    while (list.children.length > 100) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
    addLog('message', event.id, JSON.stringify(message.text));
  });

  $('composer').addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const input = $('message');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    sent.add(text);
    try {
      const response = await fetch('/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      sent.delete(text);
      input.value = text;
      showBanner(`Could not send the message (${error.message}).`, true);
    }
  });

  // ---- /private: a headers function, called before every attempt -------------------------------

  let privateStream;
  $('private-toggle').addEventListener('change', (change) => {
    privateStream?.close();
    privateStream = undefined;
    if (!change.target.checked) return setPrivate('off', '—', 'Off');
    setPrivate('connecting', '—', 'Connecting…');
    const stream = SSEKit.createEventStream('/private?interval=1000', {
      headers: () => ({ Authorization: 'Bearer ' + $('token').value }),
      retry: { initialDelay: 500, maxDelay: 8000 },
      onStateChange(state) {
        if (stream === privateStream && state !== 'open' && state !== 'closed') setPrivate(state, undefined, `${cap(state)}…`);
      },
      onClose(info) {
        if (stream !== privateStream || !info.error) return;
        const denied = info.error.status === 401 || info.error.status === 403;
        setPrivate('error', '✕', denied ? `${info.error.status}: wrong token. Fatal, not retried.` : info.error.message);
      },
    });
    privateStream = stream;
    stream.on('tick', (tick, event) =>
      setPrivate('open', number.format(tick.n), `counter · last id ${event.id} · via ${stream.transport}`),
    );
  });

  function setPrivate(state, count, text) {
    $('private-status').dataset.state = state;
    if (count !== undefined) $('private-ticks').textContent = count;
    $('private-text').textContent = text;
  }

  // ---- controls ----------------------------------------------------------------------------------

  $('transport-switch').addEventListener('change', (change) => {
    connection.transport = change.target.value;
    connectMetrics();
  });

  $('drop').addEventListener('click', () => control('drop', 'drop', (r) => `Server dropped ${r.dropped} connections. Resuming…`));
  $('restart').addEventListener('click', () =>
    control('restart', 'restart', (r) => `Server restarting: refusing connections for ${r.refusingFor / 1000} s. Backing off…`),
  );

  async function control(id, action, message) {
    const button = $(id);
    button.disabled = true;
    try {
      const response = await fetch(`/control/${action}`, { method: 'POST' });
      showBanner(message(await response.json()));
    } catch (error) {
      showBanner(`Control request failed (${error.message}).`, true);
    } finally {
      setTimeout(() => (button.disabled = false), 1000);
    }
  }

  let bannerTimer;
  function showBanner(text, error = false) {
    const banner = $('banner');
    banner.textContent = text;
    banner.classList.toggle('error', error);
    banner.hidden = false;
    clearTimeout(bannerTimer);
    if (!error) bannerTimer = setTimeout(() => (banner.hidden = true), 4000);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  function el(tag, attrs, children, ns) {
    const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (typeof children === 'string') node.textContent = children;
    else node.append(...children);
    return node;
  }

  const cap = (s) => s[0].toUpperCase() + s.slice(1);

  connectMetrics();
  setInterval(renderTimeline, 500);
  addEventListener('resize', () => {
    drawChart();
    renderTimeline();
  });
  // Exposed for the browser test and the curious: read-only numbers, not an API.
  window.dashboard = {
    get metrics() {
      return { ...metrics, points: metrics.points.length, lastEventId: metricStream.lastEventId };
    },
    get connection() {
      return { ...connection, state: metricStream.state, transport: metricStream.transport, role: metricStream.role };
    },
  };
})();
