<?php
// The Redis side of the php-redis example, shared by the router (POST /messages, GET /events)
// and the CLI sender (send.php): ids, history and live delivery.
//
//   sse-kit:seq       INCR counter: the message ids 1, 2, 3, ...
//   sse-kit:history   sorted set, score = id, member = the message JSON (what resume replays)
//   sse-kit:messages  Pub/Sub channel (live delivery; Pub/Sub alone keeps no history)
declare(strict_types=1);

const KEY_SEQ = 'sse-kit:seq';
const KEY_HISTORY = 'sse-kit:history';
const CHANNEL = 'sse-kit:messages';
const HISTORY_SIZE = 10000;

if (!extension_loaded('redis')) {
    $hint = "The php redis extension is missing: apt-get install -y php-redis (or npm run setup)\n";
    if (PHP_SAPI === 'cli') fwrite(STDERR, $hint);
    else http_response_code(500);
    exit($hint);
}

function redis_connect(): Redis
{
    $redis = new Redis();
    $redis->connect(getenv('REDIS_HOST') ?: '127.0.0.1', (int) (getenv('REDIS_PORT') ?: 6379), 2.0);
    return $redis;
}

// Id, history entry and publish in one atomic script. With INCR, ZADD and PUBLISH as separate
// calls, two senders could interleave (id 8 stored and published before id 7): a subscriber
// would see 8, move its last id past 7 and never send 7. Atomic, the history has no holes and
// the channel carries ids in order.
const PUBLISH_SCRIPT = <<<'LUA'
local id = redis.call('INCR', KEYS[1])
local message = '{"id":' .. id .. ',"text":' .. ARGV[1] .. '}'
redis.call('ZADD', KEYS[2], id, message)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1 - tonumber(ARGV[2]))
redis.call('PUBLISH', KEYS[3], message)
return id
LUA;

/** Stores and broadcasts a message; returns its id. */
function publish_message(Redis $redis, string $text): int
{
    $json = json_encode($text, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    return (int) $redis->eval(PUBLISH_SCRIPT, [KEY_SEQ, KEY_HISTORY, CHANNEL, $json, HISTORY_SIZE], 3);
}

/** Stored messages with $after < id <= $upTo, oldest first, as JSON strings. */
function history_after(Redis $redis, int $after, ?int $upTo = null): array
{
    return $redis->zRangeByScore(KEY_HISTORY, '(' . $after, $upTo === null ? '+inf' : (string) $upTo);
}

/** Forgets every message (a new server run starts at id 1 again). */
function reset_messages(Redis $redis): void
{
    $redis->del(KEY_SEQ, KEY_HISTORY);
}
