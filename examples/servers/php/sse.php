<?php
// SSE plumbing and the per-connection endpoints (/health, /counter, /private, /chat), shared by the
// php (SQLite) and php-redis examples. Each router adds its own /events and /messages.
declare(strict_types=1);

function env_str(string $name, string $default): string
{
    $value = getenv($name);
    return $value === false || $value === '' ? $default : $value;
}

function env_int(string $name, int $default): int
{
    $value = filter_var(getenv($name), FILTER_VALIDATE_INT);
    return $value === false || $value <= 0 ? $default : $value;
}

define('AUTH_TOKEN', env_str('AUTH_TOKEN', 'secret'));
define('CORS_ORIGIN', env_str('CORS_ORIGIN', ''));
define('HEARTBEAT_MS', env_int('HEARTBEAT_MS', 15000));
define('RETRY_MS', env_int('RETRY_MS', 2000));
// PHP only: a GET stream ends after this long and the client resumes with Last-Event-ID (see README).
define('MAX_STREAM_MS', env_int('MAX_STREAM_MS', 30000));

/** CORS headers on every answer (SSE or not) when CORS_ORIGIN is set. */
function send_cors_headers(): void
{
    if (CORS_ORIGIN === '') return;
    header('Access-Control-Allow-Origin: ' . CORS_ORIGIN);
    header('Access-Control-Allow-Credentials: true');
    header('Access-Control-Allow-Headers: Authorization, Content-Type, Last-Event-ID');
    header('Access-Control-Allow-Methods: GET, POST, OPTIONS');
    header('Vary: Origin');
}

function json_response(int $status, array $body): never
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body), "\n";
    exit;
}

/** The request body as an array, or null when it is not a JSON object. */
function read_json_body(): ?array
{
    $body = json_decode((string) file_get_contents('php://input'), true);
    return is_array($body) ? $body : null;
}

/**
 * Starts an SSE response with nothing between `echo` and the socket:
 * - every output buffer PHP or a framework opened is flushed and closed (`output_buffering` is
 *   PHP_INI_PERDIR, so it cannot be turned off here: server.php passes `-d output_buffering=0`),
 * - zlib compression is off (gzip buffers until it has a block to compress),
 * - implicit flush is on and every write calls flush() anyway,
 * - `X-Accel-Buffering: no` tells nginx not to buffer if it sits in front.
 */
function sse_open(): void
{
    ini_set('zlib.output_compression', '0');
    while (ob_get_level() > 0) ob_end_flush();
    ob_implicit_flush(true);
    set_time_limit(0);
    // We check connection_aborted() after each write and return, so cleanup code still runs.
    ignore_user_abort(true);
    header('Content-Type: text/event-stream; charset=utf-8');
    header('Cache-Control: no-cache');
    header('X-Accel-Buffering: no');
    sse_write('retry: ' . RETRY_MS . "\n\n");
    $GLOBALS['sse_deadline'] = microtime(true) + MAX_STREAM_MS / 1000;
}

/**
 * True once this GET stream has run for MAX_STREAM_MS. The built-in server runs one request at a
 * time per process, and a worker may already have accepted the next connection when it starts a
 * stream: that connection waits until the stream ends. Ending streams now and then (the client
 * resumes without gap) bounds that wait and recycles workers, as PHP SSE guides advise.
 */
function sse_expired(): bool
{
    return microtime(true) >= $GLOBALS['sse_deadline'];
}

/** Writes and flushes; false once the client has gone (PHP only notices when a write fails). */
function sse_write(string $text): bool
{
    echo $text;
    flush();
    return connection_aborted() === 0;
}

function sse_event(int $id, string $type, array $data): bool
{
    return sse_write("id: $id\nevent: $type\ndata: " . json_encode($data) . "\n\n");
}

/** Sends `: ping` when HEARTBEAT_MS has passed since the last one; false once the client has gone. */
function sse_heartbeat(float &$nextPing): bool
{
    if (microtime(true) < $nextPing) return true;
    $nextPing = microtime(true) + HEARTBEAT_MS / 1000;
    return sse_write(": ping\n\n");
}

/** Resume point: the Last-Event-ID header, else the lastEventId query parameter, else 0. */
function last_event_id(): int
{
    $raw = $_SERVER['HTTP_LAST_EVENT_ID'] ?? $_GET['lastEventId'] ?? '0';
    $id = filter_var(trim((string) $raw), FILTER_VALIDATE_INT);
    return $id === false || $id < 0 ? 0 : $id;
}

function query_int(string $name, int $default): int
{
    $value = filter_var($_GET[$name] ?? '', FILTER_VALIDATE_INT);
    return $value === false ? $default : $value;
}

function sleep_until(float $deadline): void
{
    $left = $deadline - microtime(true);
    if ($left > 0) usleep((int) ($left * 1e6));
}

/** GET /counter and /private: a per-connection counter that resumes after the last id. */
function serve_counter(): void
{
    $interval = max(1, query_int('interval', 1000)) / 1000;
    $limit = query_int('limit', 0);
    $end = query_int('end', 0);
    sse_open();
    $n = last_event_id();
    $nextPing = microtime(true) + HEARTBEAT_MS / 1000;
    $nextEvent = microtime(true) + $interval;
    for ($sent = 0; ;) {
        sleep_until(min($nextEvent, $nextPing, $GLOBALS['sse_deadline']));
        if (!sse_heartbeat($nextPing) || sse_expired()) return;
        if (microtime(true) < $nextEvent) continue;
        $nextEvent += $interval;
        $n++;
        $sent++;
        if (!sse_event($n, 'tick', ['n' => $n])) return;
        // Returning ends the response: a forced drop (limit) or a clean end (end).
        if (($limit > 0 && $sent >= $limit) || ($end > 0 && $n >= $end)) return;
    }
}

/** POST /chat: the prompt's words in reverse order, one token event each, then done. */
function serve_chat(): void
{
    $body = read_json_body();
    if (!is_string($body['prompt'] ?? null)) json_response(400, ['error' => 'expected JSON {"prompt": string}']);
    $words = preg_split('/\s+/', trim($body['prompt']), -1, PREG_SPLIT_NO_EMPTY);
    sse_open();
    foreach (array_reverse($words) as $i => $word) {
        usleep(10000); // a token every 10 ms, like a model would
        if (!sse_event($i + 1, 'token', ['token' => $word])) return;
    }
    // No id on done: the stream is over, there is nothing to resume.
    sse_write("event: done\ndata: " . json_encode(['count' => count($words)]) . "\n\n");
}

/**
 * Routes the endpoints every PHP example shares, then hands the rest to `$routes`
 * (['METHOD /path' => callable]). Returns nothing: each handler writes the whole answer.
 */
function route(array $routes): void
{
    // An uncaught error before the stream starts (e.g. SQLite busy under load) would otherwise
    // answer 200 with PHP's default text/html (display_errors=stderr keeps the status at 200),
    // which a client must treat as fatal. 503 + Retry-After says "try again".
    set_exception_handler(function (Throwable $error): void {
        file_put_contents('php://stderr', "sse-kit php example: $error\n");
        if (headers_sent()) return;
        http_response_code(503);
        header('Retry-After: 1');
        header('Content-Type: text/plain; charset=utf-8');
        echo "temporarily unavailable\n";
    });
    send_cors_headers();
    $method = $_SERVER['REQUEST_METHOD'];
    $path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
    if ($method === 'OPTIONS') {
        http_response_code(204);
        return;
    }
    $routes += [
        'GET /health' => function (): void {
            header('Content-Type: text/plain; charset=utf-8');
            echo 'ok';
        },
        'GET /counter' => 'serve_counter',
        'GET /private' => function (): void {
            if (($_SERVER['HTTP_AUTHORIZATION'] ?? '') !== 'Bearer ' . AUTH_TOKEN) {
                json_response(401, ['error' => 'unauthorized']);
            }
            serve_counter();
        },
        'POST /chat' => 'serve_chat',
    ];
    $handler = $routes["$method $path"] ?? null;
    if ($handler === null) json_response(404, ['error' => 'not found']);
    $handler();
}

/**
 * Replaces this process with PHP's built-in server on 127.0.0.1:PORT running `$router`.
 * The built-in server runs one request at a time per process and an SSE request lasts as long as
 * its stream, so PHP_CLI_SERVER_WORKERS (default 8 here) forked workers serve that many streams.
 */
function run_builtin_server(string $router): never
{
    $port = getenv('PORT');
    if (!ctype_digit((string) $port)) {
        fwrite(STDERR, "PORT is required\n");
        exit(2);
    }
    $env = getenv();
    $env['PHP_CLI_SERVER_WORKERS'] = $env['PHP_CLI_SERVER_WORKERS'] ?? '8';
    $args = [
        '-d', 'output_buffering=0', '-d', 'zlib.output_compression=0', '-d', 'implicit_flush=1',
        '-d', 'max_execution_time=0',
        // A PHP warning printed into an event stream would corrupt it: errors go to the server log.
        '-d', 'display_errors=stderr', '-d', 'log_errors=0',
        '-S', "127.0.0.1:$port", $router,
    ];
    fwrite(STDERR, "sse-kit php example listening on http://127.0.0.1:$port ({$env['PHP_CLI_SERVER_WORKERS']} workers)\n");
    if (function_exists('pcntl_exec')) pcntl_exec(PHP_BINARY, $args, $env);
    // No pcntl: run it as a child instead (same process group, so stopping the group stops it).
    $child = proc_open(array_merge([PHP_BINARY], $args), [STDIN, STDOUT, STDERR], $pipes, null, $env);
    exit(proc_close($child));
}
