"""Flask example, announcer style (the "MessageAnnouncer" of the Flask SSE tutorials): each /events
subscriber owns a queue.Queue; POST /messages puts the message into every queue and drops the
subscribers whose queue is full. Added for resume: a message log, and subscribe-with-replay done
under the same lock as announce, so no message falls between the replay and the queue.

    PORT=8080 /usr/bin/python3 examples/servers/flask/announcer_app.py
"""

import queue
import time

from flask import jsonify

from sse_common import HEARTBEAT, PING, MessageLog, create_app, json_body_field, last_event_id, run, sse_event, sse_response


class Listener:
    def __init__(self, size):
        self.queue = queue.Queue(maxsize=size)
        self.dropped = False


class MessageAnnouncer:
    QUEUE_SIZE = 100

    def __init__(self):
        self.log = MessageLog()
        self.listeners = []

    def listen(self, last_id):
        """Registers a listener and returns it with the stored messages after last_id. Both happen
        under the log's lock, which announce() also holds: every message is either in the replay
        or in the queue, never both, never neither."""
        listener = Listener(self.QUEUE_SIZE)
        with self.log.changed:
            self.listeners.append(listener)
            return listener, self.log.since(last_id)

    def unlisten(self, listener):
        with self.log.changed:
            if listener in self.listeners:
                self.listeners.remove(listener)

    def announce(self, text):
        with self.log.changed:
            message = self.log.append(text)
            for listener in list(self.listeners):
                try:
                    listener.queue.put_nowait(message)
                except queue.Full:
                    # A subscriber this far behind is dropped (the tutorial's rule). Its stream ends
                    # once its queue is drained; the client reconnects and replays the rest.
                    listener.dropped = True
                    self.listeners.remove(listener)
            return message


app = create_app(__name__)
announcer = MessageAnnouncer()


@app.get("/events")
def events():
    last = last_event_id()

    def stream():
        # Registered inside the generator, so the finally below always runs for it.
        listener, replay = announcer.listen(last)
        try:
            for message in replay:
                yield sse_event(message["id"], "message", message)
            next_ping = time.monotonic() + HEARTBEAT
            while True:
                try:
                    message = listener.queue.get(timeout=max(0.0, min(1.0, next_ping - time.monotonic())))
                    yield sse_event(message["id"], "message", message)
                except queue.Empty:
                    if listener.dropped:
                        return
                if time.monotonic() >= next_ping:
                    next_ping = time.monotonic() + HEARTBEAT
                    yield PING  # also how a gone client is noticed: the write fails, the generator closes
        finally:
            announcer.unlisten(listener)

    return sse_response(stream())


@app.post("/messages")
def post_message():
    text = json_body_field("text")
    if text is None:
        return jsonify(error='expected JSON {"text": string}'), 400
    return jsonify(id=announcer.announce(text)["id"]), 201


if __name__ == "__main__":
    run(app)
