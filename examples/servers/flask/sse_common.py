"""What both Flask examples share: config, SSE framing, CORS, the message log, and the
per-connection endpoints (/health, /counter, /private, /chat) written as plain generators.

generator_app.py and announcer_app.py differ only in how /events gets new messages.
"""

import json
import os
import threading
import time

from flask import Blueprint, Flask, Response, jsonify, request, stream_with_context


def _env_int(name, default):
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


AUTH_TOKEN = os.environ.get("AUTH_TOKEN") or "secret"
CORS_ORIGIN = os.environ.get("CORS_ORIGIN", "")
HEARTBEAT = _env_int("HEARTBEAT_MS", 15000) / 1000
RETRY_MS = _env_int("RETRY_MS", 2000)


def sse_event(event_id, event_type, data):
    line = f"event: {event_type}\ndata: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}\n\n"
    return line if event_id is None else f"id: {event_id}\n{line}"


PING = ": ping\n\n"


def sse_response(generator):
    """A streaming response. Werkzeug writes and flushes each yielded string as one chunk
    (chunked transfer encoding), so nothing is buffered as long as no middleware collects the
    body: no gzip/Compress on these routes, and `X-Accel-Buffering: no` for nginx in front.
    stream_with_context keeps `request` usable inside the generator."""

    def framed():
        yield f"retry: {RETRY_MS}\n\n"
        yield from generator

    return Response(
        stream_with_context(framed()),
        status=200,
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        },
    )


def last_event_id():
    """Resume point: the Last-Event-ID header, else the lastEventId query parameter, else 0."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("lastEventId") or "0"
    try:
        return max(0, int(raw.strip()))
    except ValueError:
        return 0


def query_int(name, default):
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return default


def json_body_field(name):
    """The string field `name` of a JSON object body, or None."""
    body = request.get_json(force=True, silent=True)
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


class MessageLog:
    """The broadcast messages, ids 1, 2, 3, ... in one list (bounded), guarded by a Condition so
    readers can wait for the next append."""

    MAX = 10000

    def __init__(self):
        self.changed = threading.Condition()
        self._messages = []
        self._next_id = 1

    def append(self, text):
        """Stores a message and wakes every waiting reader. The lock is re-entrant: a caller that
        must do more in the same atomic step (the announcer) may already hold `self.changed`."""
        with self.changed:
            message = {"id": self._next_id, "text": text}
            self._next_id += 1
            self._messages.append(message)
            del self._messages[: -self.MAX]
            self.changed.notify_all()
            return message

    def since(self, last_id):
        """Messages with id > last_id, oldest first."""
        with self.changed:
            if not self._messages:
                return []
            start = max(0, last_id - self._messages[0]["id"] + 1)
            return self._messages[start:]

    def last_id(self):
        with self.changed:
            return self._next_id - 1


def counter_stream(start, interval, limit, end):
    n, sent = start, 0
    next_event = time.monotonic() + interval
    next_ping = time.monotonic() + HEARTBEAT
    while True:
        time.sleep(max(0.0, min(next_event, next_ping) - time.monotonic()))
        now = time.monotonic()
        if now >= next_ping:
            next_ping = now + HEARTBEAT
            yield PING
        if now < next_event:
            continue
        next_event += interval
        n += 1
        sent += 1
        yield sse_event(n, "tick", {"n": n})
        if (limit > 0 and sent >= limit) or (end > 0 and n >= end):
            return  # ends the response: a forced drop (limit) or a clean end (end)


def counter_response():
    interval = max(1, query_int("interval", 1000)) / 1000
    return sse_response(counter_stream(last_event_id(), interval, query_int("limit", 0), query_int("end", 0)))


common = Blueprint("common", __name__)


@common.get("/health")
def health():
    return Response("ok", content_type="text/plain; charset=utf-8")


@common.get("/counter")
def counter():
    return counter_response()


@common.get("/private")
def private():
    if request.headers.get("Authorization") != f"Bearer {AUTH_TOKEN}":
        return jsonify(error="unauthorized"), 401
    return counter_response()


@common.post("/chat")
def chat():
    prompt = json_body_field("prompt")
    if prompt is None:
        return jsonify(error='expected JSON {"prompt": string}'), 400
    words = prompt.split()

    def tokens():
        for i, word in enumerate(reversed(words), start=1):
            time.sleep(0.01)  # a token every 10 ms, like a model would
            yield sse_event(i, "token", {"token": word})
        # No id on done: the stream is over, there is nothing to resume.
        yield sse_event(None, "done", {"count": len(words)})

    return sse_response(tokens())


def create_app(name):
    app = Flask(name)
    app.register_blueprint(common)

    @app.before_request
    def preflight():
        # Runs before routing errors are raised, so it answers OPTIONS on every path.
        if request.method == "OPTIONS":
            return Response(status=204)
        return None

    @app.after_request
    def cors(response):
        if CORS_ORIGIN:
            response.headers["Access-Control-Allow-Origin"] = CORS_ORIGIN
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Last-Event-ID"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.vary.add("Origin")
        return response

    @app.errorhandler(404)
    def not_found(_error):
        return jsonify(error="not found"), 404

    return app


def run(app):
    """Werkzeug's server with a thread per request: each open stream holds one thread."""
    import logging

    port = os.environ.get("PORT")
    if not port:
        raise SystemExit("PORT is required")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(f"sse-kit flask example listening on http://127.0.0.1:{port}", flush=True)
    app.run(host="127.0.0.1", port=int(port), threaded=True, debug=False, use_reloader=False)
