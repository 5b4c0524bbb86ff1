<?php
// The php-redis example: POST /messages (or send.php) publishes through Redis, every GET /events
// request subscribes to Redis Pub/Sub. Start it with `PORT=8080 php server.php` (see README.md).
declare(strict_types=1);

require __DIR__ . '/../php/sse.php';
require __DIR__ . '/messages.php';

/**
 * GET /events: replay from the history, then live messages from Pub/Sub, without gap or duplicate.
 *
 * phpredis's subscribe() blocks inside Redis until a message comes, so the script cannot replay
 * *after* subscribing; it replays first, then subscribes. A message published in between is in
 * the history but missed by the subscription, so:
 * - every live message with an id at or below the last one sent is skipped (already replayed);
 * - a live message further ahead than last + 1 first pulls the missing ids from the history
 *   (ids are dense: see PUBLISH_SCRIPT);
 * - the subscription reads with a timeout of min(HEARTBEAT_MS, 1 s): each time it expires the
 *   script sends the heartbeat if due, catches up from the history, and subscribes again. So a
 *   message that fell in the window is sent at the latest one tick later, in order, once.
 */
function serve_events(): void
{
    sse_open();
    $last = last_event_id();
    $nextPing = microtime(true) + HEARTBEAT_MS / 1000;
    $store = redis_connect();
    $send = function (string $json) use (&$last): void {
        $message = json_decode($json, true);
        if ($message['id'] <= $last) return;
        $last = $message['id'];
        // The stored JSON is sent as is: it already is {"id":n,"text":"..."}.
        if (!sse_write("id: $last\nevent: message\ndata: $json\n\n")) exit; // client gone
    };
    $tick = min(HEARTBEAT_MS, 1000) / 1000;
    try {
        stream_events($store, $send, $last, $nextPing, $tick);
    } catch (RedisException $e) {
        // Redis is gone: end the stream; the client retries and resumes from its last id.
        error_log('sse-kit php-redis: ' . $e->getMessage());
    }
}

function stream_events(Redis $store, Closure $send, int &$last, float &$nextPing, float $tick): void
{
    while (true) {
        foreach (history_after($store, $last) as $json) $send($json);
        $subscriber = redis_connect();
        $subscriber->setOption(Redis::OPT_READ_TIMEOUT, $tick);
        try {
            $subscriber->subscribe([CHANNEL], function (Redis $_, string $channel, string $json) use ($store, $send, &$last, &$nextPing): void {
                $id = json_decode($json, true)['id'];
                if ($id > $last + 1) {
                    foreach (history_after($store, $last, $id - 1) as $missed) $send($missed);
                }
                $send($json);
                if (!sse_heartbeat($nextPing) || sse_expired()) exit;
            });
        } catch (RedisException) {
            // The read timeout: our tick. (A lost Redis connection lands here too and is retried.)
        }
        $subscriber->close();
        if (!sse_heartbeat($nextPing) || sse_expired()) return;
    }
}

/** POST /messages: JSON {"text": "..."} → 201 {"id": n}. */
function serve_messages(): void
{
    $body = read_json_body();
    if (!is_string($body['text'] ?? null)) json_response(400, ['error' => 'expected JSON {"text": string}']);
    json_response(201, ['id' => publish_message(redis_connect(), $body['text'])]);
}

route([
    'GET /events' => 'serve_events',
    'POST /messages' => 'serve_messages',
]);
