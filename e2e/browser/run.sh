#!/usr/bin/env bash
# Browser end-to-end test: builds the server, starts it on a free loopback port with a throwaway SQLite
# database and one user, runs browser.test.mjs (playwright-core driving Debian's /usr/bin/chromium),
# always stops the server, and exits with the test's status.
#
#   e2e/browser/run.sh            (from anywhere; needs go, node >= 20, npm and Debian's chromium)
#
# Environment:
#   ARTIFACTS_DIR   if set, screenshots and the server's log are copied there (never into the repo)
#   E2E_CHROMIUM    the browser binary (default /usr/bin/chromium)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PATH="$PATH:/usr/local/go/bin"

say() { printf 'e2e/browser: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

chromium="${E2E_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || die "$chromium is missing. Install Debian's Chromium: apt-get install -y chromium
  (do not run 'npx playwright install': this test drives the system browser through playwright-core)"
command -v node >/dev/null || die "node is missing (Node.js 20 or newer is needed)"
command -v npm >/dev/null || die "npm is missing"
command -v go >/dev/null || die "go is missing (looked in PATH and /usr/local/go/bin)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
	die "Node.js $(node --version) is too old: playwright-core needs 20 or newer"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sessionauth-e2e.XXXXXX")"
server_pid=""
cleanup() {
	local status=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do # graceful shutdown, at most ~10 s, then SIGKILL
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ -n "${ARTIFACTS_DIR:-}" ] && [ -f "$tmp/server.log" ]; then
		mkdir -p "$ARTIFACTS_DIR" && cp "$tmp/server.log" "$ARTIFACTS_DIR/e2e-browser-server.log" || true
	fi
	if [ "$status" -ne 0 ] && [ -f "$tmp/server.log" ]; then
		say "server log (last 40 lines):"
		tail -n 40 "$tmp/server.log" >&2 || true
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "building the server"
(cd "$repo" && go build -o "$tmp/sessionauth" ./cmd/sessionauth)

db="$tmp/sessionauth.db"
username="alice"
password="e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
say "creating user $username"
printf '%s' "$password" | "$tmp/sessionauth" createuser --username "$username" --password-stdin --database "$db" >&2

say "starting the server"
"$tmp/sessionauth" serve --addr 127.0.0.1:0 --database "$db" --no-bootstrap-admin --log-format json \
	>"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!

# The server prints "sessionauth listening on http://127.0.0.1:PORT/" once its socket is listening.
base_url=""
for _ in $(seq 1 600); do # up to ~60 s on a slow, shared machine
	base_url="$(sed -n 's#^sessionauth listening on \(http://[^ ]*[^/]\)/\{0,1\}$#\1#p' "$tmp/server.out" | head -n 1)"
	[ -n "$base_url" ] && break
	kill -0 "$server_pid" 2>/dev/null || die "the server exited before listening"
	sleep 0.1
done
[ -n "$base_url" ] || die "the server did not report its address within 60 s"
say "server at $base_url (pid $server_pid)"

# npm ci when node_modules is missing, or holds another playwright-core than the one pinned.
installed="$(cd "$here" && node -p 'require("./node_modules/playwright-core/package.json").version' 2>/dev/null || true)"
pinned="$(cd "$here" && node -p 'require("./package.json").dependencies["playwright-core"]')"
if [ "$installed" != "$pinned" ]; then
	say "installing playwright-core $pinned (npm ci)"
	(cd "$here" && npm ci --no-audit --no-fund)
fi

say "running the browser test"
set +e
(cd "$here" && E2E_BASE_URL="$base_url" E2E_USERNAME="$username" E2E_PASSWORD="$password" \
	E2E_CHROMIUM="$chromium" npm test --silent)
status=$?
set -e
kill -0 "$server_pid" 2>/dev/null || { say "the server died during the test"; [ "$status" -ne 0 ] || status=1; }
if [ "$status" -eq 0 ]; then say "PASS"; else say "FAIL (status $status)"; fi
exit "$status"
