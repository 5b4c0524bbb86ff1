/** The text of `sse-kit --help`. */
export const HELP = `Usage: sse-kit <url> [options]

Connects to a Server-Sent Events stream and prints every event. Reconnects with
backoff and resumes with Last-Event-ID, like the sse-kit library (it is the library).

Request
  -H, --header 'Name: value'  add a request header (repeatable)
  -X, --request METHOD        HTTP method (default GET, or POST with -d)
  -d, --data BODY             request body: text, @file, or @- for stdin
                              (Content-Type: application/json if it parses as JSON
                              and no -H content-type was given)
      --last-event-id ID      resume from this id on the first connection
      --transport NAME        fetch (default), auto or native
      --timeout DURATION      give up on a connection attempt without response headers
                              after this long, then retry (default 15s; 0 = off)
      --heartbeat DURATION    reconnect when no byte arrives for this long
                              (default 45s; 0 = off). DURATION: 10, 1.5, 500ms, 30s, 2m

Output (stdout)
      --json                  NDJSON, one {"ts","id","type","data"} per line (the default
                              when stdout is not a terminal); data is parsed JSON when it
                              parses, else the text
      --pretty                one line per event (time, id, type, data), JSON indented and
                              coloured (the default on a terminal; NO_COLOR turns colours off)
      --raw                   the bytes as received, comments and retry: lines included
  -e, --event TYPE            print only events of this type (repeatable)

Life
      --no-reconnect          stop at the first failure or end instead of reconnecting
      --max-retries N         reconnection attempts in a row before giving up
  -n, --count N               exit 0 after printing N events
      --until TYPE            exit 0 after the first event of this type
  -i, --include               print each response's status and headers to stderr
  -h, --help                  this help
      --version               the sse-kit version

Each retry, its delay and the Last-Event-ID it will send are printed to stderr.
Exit codes: 0 at --count/--until, at the end of a stream that is not resumed, or on
204 No Content; 1 on a fatal HTTP status, a wrong Content-Type or retries used up;
2 on a bad command line; 130 on Ctrl-C, after printing the last id to stderr.

Examples
  sse-kit localhost:3000/counter
  sse-kit https://api.example.com/events -H "Authorization: Bearer $TOKEN" --json | jq .data
  sse-kit localhost:3000/chat -d '{"prompt":"hello there"}' --until done
  echo '{"prompt":"hi"}' | sse-kit localhost:3000/chat -d @- -e token --json
  sse-kit localhost:3000/events --last-event-id 42 -i
  sse-kit localhost:3000/counter --raw -n 3

TLS: there is no --insecure (Node's fetch has no per-request switch for it). Trust a
self-signed certificate with NODE_EXTRA_CA_CERTS=ca.pem sse-kit https://...
`;
