<?php
// Sends a message without the web server: `php send.php "hello"` (REDIS_PORT as for the server).
// Every open /events stream gets it through Redis Pub/Sub; prints the new id.
declare(strict_types=1);

require __DIR__ . '/messages.php';

if ($argc !== 2) {
    fwrite(STDERR, "usage: php send.php \"text\"\n");
    exit(2);
}
echo publish_message(redis_connect(), $argv[1]), "\n";
