#!/usr/bin/env bash
# `npm run setup`: installs with apt what the example servers, the interop suite and the browser
# tests need and is missing. Idempotent and silent when everything is there; never reads stdin.
#
#   chromium        test/browser (real Chromium)
#   php-cli         examples/servers/php, php-redis
#   php-sqlite3     examples/servers/php (its message log)
#   php-redis       examples/servers/php-redis (the phpredis extension)
#   redis-server    examples/servers/php-redis (the interop suite starts a private one)
#   golang-go       examples/servers/go
#   python3-flask   examples/servers/flask (run with Debian's /usr/bin/python3)
set -euo pipefail

packages=(chromium php-cli php-sqlite3 php-redis redis-server golang-go python3-flask)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
  done
else
  # Not Debian: check the commands instead, and say what to install.
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
  command -v php >/dev/null 2>&1 || missing+=(php-cli)
  command -v php >/dev/null 2>&1 && php -r 'exit(extension_loaded("sqlite3") ? 0 : 1);' || missing+=(php-sqlite3)
  command -v php >/dev/null 2>&1 && php -r 'exit(extension_loaded("redis") ? 0 : 1);' || missing+=(php-redis)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v go >/dev/null 2>&1 || missing+=(golang-go)
  /usr/bin/python3 -c 'import flask' >/dev/null 2>&1 || missing+=(python3-flask)
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "setup: no dpkg/apt here; install the equivalents of: ${missing[*]}" >&2
  exit 1
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
# Debian starts redis-server as a service on install; the tests start their own on a free port.
echo "setup: done"
