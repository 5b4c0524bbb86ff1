<?php
// Starts the plain-PHP example: `PORT=8080 php examples/servers/php/server.php`.
// Each run starts a fresh message log (ids 1, 2, 3, ...): the DATA_FILE is deleted first.
declare(strict_types=1);

require __DIR__ . '/sse.php';

$file = env_str('DATA_FILE', sys_get_temp_dir() . '/sse-kit-php-messages.sqlite');
foreach (['', '-wal', '-shm'] as $suffix) @unlink($file . $suffix);
putenv("DATA_FILE=$file");
run_builtin_server(__DIR__ . '/router.php');
