"""Flask example, generator style: every stream is a plain generator. /events waits on the shared
message log's Condition and yields what is new, so the log is the only source of truth: replay and
live delivery are one loop, nothing can fall between them.

    PORT=8080 /usr/bin/python3 examples/servers/flask/generator_app.py
"""

import time

from flask import jsonify

from sse_common import HEARTBEAT, PING, MessageLog, create_app, json_body_field, last_event_id, run, sse_event, sse_response

app = create_app(__name__)
messages = MessageLog()


@app.get("/events")
def events():
    def stream(last):
        next_ping = time.monotonic() + HEARTBEAT
        while True:
            for message in messages.since(last):
                last = message["id"]
                yield sse_event(last, "message", message)
            with messages.changed:
                # Wakes on a new message or when the heartbeat is due, whichever comes first.
                messages.changed.wait_for(lambda: messages.last_id() > last, timeout=max(0.0, next_ping - time.monotonic()))
            if time.monotonic() >= next_ping:
                next_ping = time.monotonic() + HEARTBEAT
                yield PING  # also how a gone client is noticed: the write fails, the generator closes

    return sse_response(stream(last_event_id()))


@app.post("/messages")
def post_message():
    text = json_body_field("text")
    if text is None:
        return jsonify(error='expected JSON {"text": string}'), 400
    return jsonify(id=messages.append(text)["id"]), 201


if __name__ == "__main__":
    run(app)
