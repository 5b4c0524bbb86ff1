<?php
// Starts the php-redis example: `PORT=8080 REDIS_PORT=6379 php examples/servers/php-redis/server.php`.
// Each run starts a fresh message log (ids 1, 2, 3, ...): the sse-kit:* keys are deleted first.
declare(strict_types=1);

require __DIR__ . '/../php/sse.php';
require __DIR__ . '/messages.php';

try {
    reset_messages(redis_connect());
} catch (RedisException $e) {
    fwrite(STDERR, 'Cannot reach Redis on port ' . (getenv('REDIS_PORT') ?: 6379) . ': ' . $e->getMessage() . "\n");
    exit(1);
}
run_builtin_server(__DIR__ . '/router.php');
