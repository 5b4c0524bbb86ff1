<?php
// The plain-PHP example: SSE from PHP's built-in server, messages kept in SQLite.
// Start it with `PORT=8080 php server.php` (see README.md).
declare(strict_types=1);

require __DIR__ . '/sse.php';

define('DATA_FILE', env_str('DATA_FILE', sys_get_temp_dir() . '/sse-kit-php-messages.sqlite'));
// How often /events looks for new rows. Each SSE request is its own PHP process with no way to be
// woken by another one, so it polls the data source (one indexed query per tick).
define('POLL_MS', env_int('POLL_MS', 100));

function db(): SQLite3
{
    $db = new SQLite3(DATA_FILE);
    // A failed query throws (to route()'s handler: 503) instead of returning false.
    $db->enableExceptions(true);
    // Several workers read and write at once: WAL lets readers run during a write, and a writer
    // waits for the lock instead of failing. WAL is a property of the file: set it once, since
    // switching needs the database to itself (every request asking for it contended under load).
    $db->busyTimeout(5000);
    if ($db->querySingle('PRAGMA journal_mode') !== 'wal') $db->exec('PRAGMA journal_mode = WAL');
    $db->exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)');
    return $db;
}

/** GET /events: replays the rows after the last id, then polls for new ones. */
function serve_events(): void
{
    $db = db();
    $query = $db->prepare('SELECT id, text FROM messages WHERE id > :last ORDER BY id LIMIT 500');
    sse_open();
    $last = last_event_id();
    $nextPing = microtime(true) + HEARTBEAT_MS / 1000;
    while (true) {
        // The same query replays history and picks up new rows, so there is no window between
        // "replay" and "subscribe" for a message to fall into; ids only grow, so none repeats.
        $query->bindValue(':last', $last, SQLITE3_INTEGER);
        $rows = $query->execute();
        while ($row = $rows->fetchArray(SQLITE3_ASSOC)) {
            $last = $row['id'];
            if (!sse_event($last, 'message', ['id' => $last, 'text' => $row['text']])) return;
        }
        $rows->finalize();
        $query->reset();
        if (!sse_heartbeat($nextPing) || sse_expired()) return;
        usleep(POLL_MS * 1000);
    }
}

/** POST /messages: appends a row; its id is the message's sequence number. */
function serve_messages(): void
{
    $body = read_json_body();
    if (!is_string($body['text'] ?? null)) json_response(400, ['error' => 'expected JSON {"text": string}']);
    $db = db();
    $insert = $db->prepare('INSERT INTO messages (text) VALUES (:text)');
    $insert->bindValue(':text', $body['text'], SQLITE3_TEXT);
    $insert->execute();
    json_response(201, ['id' => $db->lastInsertRowID()]);
}

route([
    'GET /events' => 'serve_events',
    'POST /messages' => 'serve_messages',
]);
