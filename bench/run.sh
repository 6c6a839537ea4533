#!/usr/bin/env bash
# End-to-end benchmark of sessionauth against a bare net/http handler and the scs library.
#
# Builds `sessionauth` (from the repository root) and the comparison servers of this module
# (bench/cmd/bare, bench/cmd/scs) into a temporary directory, starts each on a free loopback port with
# a temporary database, and drives them with wrk. Each measured row runs right after a run of the bare
# server, so its ratio is against a baseline taken next to it; the table shows medians over the rounds.
#
# Installs nothing. Needs go, wrk and curl on PATH.
#
# Environment (defaults in brackets):
#   BENCH_THREADS [2]  BENCH_CONNECTIONS [32]  BENCH_DURATION [10s]   wrk -t / -c / -d
#   BENCH_ROUNDS [3]    rounds of (bare, row) pairs for every row
#   BENCH_WARMUP [2s]   wrk run on each server before the rounds (not counted)
#   BENCH_RAW_DIR []    if set, wrk's raw outputs are copied there
#   BENCH_ONLY []       comma-separated row ids to run (anon,sess-memory,sess-memory-gc0,sess-sqlite,token,login,login-c1,
#                       sess-postgres,token-postgres,sess-redis,sess-redis-cached,scs-memory,scs-sqlite); the bare baseline always runs
#   BENCH_POSTGRES_URL [$SESSIONAUTH_TEST_POSTGRES_URL]  a PostgreSQL server whose role may CREATE DATABASE:
#                       the PostgreSQL rows run on a fresh database there (dropped at the end); unset: rows skipped
#   BENCH_REDIS_URL [$SESSIONAUTH_TEST_REDIS_URL]  a Redis server: the Redis row keeps sessions in its database 15
#                       (flushed before and after) and users in the PostgreSQL database; needs BENCH_POSTGRES_URL too
#
# The login rows are bound by argon2id (one hash per request): "login" runs with the same -c as the
# others (latency is then mostly queueing behind the two cores), "login-c1" with one connection (the
# latency of one login on an otherwise idle server).
set -euo pipefail

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2s}
ONLY=${BENCH_ONLY:-}
PG_URL=${BENCH_POSTGRES_URL:-${SESSIONAUTH_TEST_POSTGRES_URL:-}}
REDIS_URL=${BENCH_REDIS_URL:-${SESSIONAUTH_TEST_REDIS_URL:-}}

die() { echo "bench/run.sh: $*" >&2; exit 1; }

for tool in go wrk curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed or not on PATH (this script installs nothing; on Debian: apt-get install -y wrk curl, and Go from go.dev)"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, not '$ROUNDS'"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sessionauth-bench.XXXXXX")
PIDS=()

PG_DB=""  # the database created for the PostgreSQL rows
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $PG_DB ]]; then
		psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	if [[ -n ${REDIS_BENCH_URL:-} ]]; then
		redis-cli -u "$REDIS_BENCH_URL" flushdb >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------- build
echo "Building into $TMP ..."
(cd "$ROOT" && go build -o "$TMP/sessionauth" ./cmd/sessionauth) || die "building cmd/sessionauth failed"
(cd "$BENCH_DIR" && go build -o "$TMP/" ./cmd/bare ./cmd/scs) || die "building bench/cmd/bare and bench/cmd/scs failed"

# ---------------------------------------------------------------------------------------------- servers
# start NAME CMD... : runs CMD in the background (stdout/stderr to $TMP/NAME.log), waits until it prints
# "listening on http://ADDR/" and stores ADDR in ADDR_NAME (NAME with - replaced by _).
start() {
	local name=$1; shift
	local log="$TMP/$name.log"
	"$@" >"$log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	local addr="" i
	for i in $(seq 1 200); do
		addr=$(sed -n 's|.*listening on http://\([^/]*\)/.*|\1|p' "$log" | head -n1)
		[[ -n $addr ]] && break
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "$name exited during startup"; }
		sleep 0.05
	done
	[[ -n $addr ]] || { cat "$log" >&2; die "$name did not start within 10s"; }
	printf -v "ADDR_${name//-/_}" '%s' "$addr"
}

USER_NAME=bench
USER_PASSWORD="bench-Pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
LOGIN_RATES=(--login-rate 1000000/min --login-address-rate 1000000/min)
SA_FLAGS=(--addr 127.0.0.1:0 --log-level warn --no-bootstrap-admin "${LOGIN_RATES[@]}")

# setup_db DB: creates the user (and returns nothing).
setup_db() {
	printf '%s\n' "$USER_PASSWORD" | "$TMP/sessionauth" createuser --database "$1" --username "$USER_NAME" --password-stdin >/dev/null \
		|| die "createuser failed on $1"
}

setup_db "$TMP/sa-memory.db"
setup_db "$TMP/sa-memory-gc0.db"
setup_db "$TMP/sa-sqlite.db"
TOKEN=$("$TMP/sessionauth" tokens create --database "$TMP/sa-sqlite.db" --user "$USER_NAME" --name bench 2>"$TMP/tokens.err" | tail -n1 | tr -d '[:space:]')
[[ $TOKEN =~ ^[0-9a-f]{40}$ ]] || { cat "$TMP/tokens.err" >&2; die "tokens create printed '$TOKEN', not a 40-hex key"; }

start bare "$TMP/bare" -addr 127.0.0.1:0
start sa-memory "$TMP/sessionauth" serve "${SA_FLAGS[@]}" --database "$TMP/sa-memory.db" --session-store memory
# The same with Go's default garbage collector, for the cost of the collector (D25).
start sa-memory-gc0 "$TMP/sessionauth" serve "${SA_FLAGS[@]}" --database "$TMP/sa-memory-gc0.db" --session-store memory --gc-headroom 0
start sa-sqlite "$TMP/sessionauth" serve "${SA_FLAGS[@]}" --database "$TMP/sa-sqlite.db" --session-store database
# PostgreSQL and Redis: a fresh database, users in PostgreSQL, sessions in PostgreSQL or in Redis.
if [[ -n $PG_URL ]]; then
	command -v psql >/dev/null || die "BENCH_POSTGRES_URL is set but psql is not installed"
	PG_DB="sa_bench_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null || die "CREATE DATABASE on BENCH_POSTGRES_URL failed"
	PG_BENCH_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$PG_URL" "$PG_DB")
	setup_db "$PG_BENCH_URL"
	PG_TOKEN=$("$TMP/sessionauth" tokens create --database "$PG_BENCH_URL" --user "$USER_NAME" --name bench 2>"$TMP/tokens.err" | tail -n1 | tr -d '[:space:]')
	[[ $PG_TOKEN =~ ^[0-9a-f]{40}$ ]] || { cat "$TMP/tokens.err" >&2; die "tokens create on PostgreSQL printed '$PG_TOKEN'"; }
	start sa-postgres "$TMP/sessionauth" serve "${SA_FLAGS[@]}" --database "$PG_BENCH_URL"
	if [[ -n $REDIS_URL ]]; then
		command -v redis-cli >/dev/null || die "BENCH_REDIS_URL is set but redis-cli is not installed"
		REDIS_BENCH_URL="${REDIS_URL%/*}/15"
		[[ $REDIS_URL == */* && ${REDIS_URL#*://} == */* ]] || REDIS_BENCH_URL="$REDIS_URL/15"
		redis-cli -u "$REDIS_BENCH_URL" flushdb >/dev/null || die "FLUSHDB on $REDIS_BENCH_URL failed"
		start sa-redis "$TMP/sessionauth" serve "${SA_FLAGS[@]}" --database "$PG_BENCH_URL" --session-store "$REDIS_BENCH_URL"
		start sa-redis-cached "$TMP/sessionauth" serve "${SA_FLAGS[@]}" --database "$PG_BENCH_URL" \
			--session-store "$REDIS_BENCH_URL?client_cache=1m"
	fi
fi
start scs-memory "$TMP/scs" -addr 127.0.0.1:0 -store memory
start scs-sqlite "$TMP/scs" -addr 127.0.0.1:0 -store sqlite -database "$TMP/scs.db"

# csrf_token ADDR JAR: GET /api/auth/csrf into the cookie jar, prints the csrftoken cookie.
csrf_token() {
	curl -sf -c "$2" "http://$1/api/auth/csrf" >/dev/null || die "GET http://$1/api/auth/csrf failed"
	awk '$6 == "csrftoken" { print $7 }' "$2"
}

# session_cookie ADDR: logs in through the JSON API (csrf cookie + header), prints the sessionid value.
session_cookie() {
	local jar="$TMP/jar.$RANDOM" tok code
	tok=$(csrf_token "$1" "$jar")
	[[ -n $tok ]] || die "no csrftoken cookie from http://$1/api/auth/csrf"
	code=$(curl -s -o "$TMP/login.out" -w '%{http_code}' -b "$jar" -c "$jar" -H "X-CSRFToken: $tok" \
		-H 'Content-Type: application/json' --data "{\"username\":\"$USER_NAME\",\"password\":\"$USER_PASSWORD\"}" \
		"http://$1/api/auth/login")
	[[ $code == 200 ]] || die "login on http://$1 answered $code: $(cat "$TMP/login.out")"
	awk '$6 == "sessionid" { print $7 }' "$jar"
}

# scs_cookie ADDR: the scs server's login (no password check) gives the session cookie.
scs_cookie() {
	local jar="$TMP/jar.$RANDOM"
	curl -sf -c "$jar" -X POST "http://$1/api/auth/login" >/dev/null || die "scs login on http://$1 failed"
	awk '$6 == "sessionid" { print $7 }' "$jar"
}

SESS_MEMORY=$(session_cookie "$ADDR_sa_memory")
SESS_MEMORY_GC0=$(session_cookie "$ADDR_sa_memory_gc0")
SESS_SQLITE=$(session_cookie "$ADDR_sa_sqlite")
SESS_POSTGRES="" SESS_REDIS="" SESS_REDIS_CACHED=""
[[ -z ${ADDR_sa_postgres:-} ]] || SESS_POSTGRES=$(session_cookie "$ADDR_sa_postgres")
[[ -z ${ADDR_sa_redis:-} ]] || SESS_REDIS=$(session_cookie "$ADDR_sa_redis")
[[ -z ${ADDR_sa_redis_cached:-} ]] || SESS_REDIS_CACHED=$(session_cookie "$ADDR_sa_redis_cached")
SCS_MEMORY=$(scs_cookie "$ADDR_scs_memory")
SCS_SQLITE=$(scs_cookie "$ADDR_scs_sqlite")
LOGIN_CSRF=$(csrf_token "$ADDR_sa_sqlite" "$TMP/jar.login")
for v in SESS_MEMORY SESS_MEMORY_GC0 SESS_SQLITE SCS_MEMORY SCS_SQLITE LOGIN_CSRF; do
	[[ -n ${!v} ]] || die "$v is empty (no cookie)"
done

# ---------------------------------------------------------------------------------------------- rows
# id | label | expected status | URL | extra wrk arguments (one string, split on |; header values contain spaces)
ROWS=(
	"anon|anonymous GET /api/hello (403)|403|http://$ADDR_sa_sqlite/api/hello|"
	"sess-memory|session GET /api/hello, memory store|200|http://$ADDR_sa_memory/api/hello|-H|Cookie: sessionid=$SESS_MEMORY"
	"sess-memory-gc0|session GET /api/hello, memory, --gc-headroom 0|200|http://$ADDR_sa_memory_gc0/api/hello|-H|Cookie: sessionid=$SESS_MEMORY_GC0"
	"sess-sqlite|session GET /api/hello, SQLite store|200|http://$ADDR_sa_sqlite/api/hello|-H|Cookie: sessionid=$SESS_SQLITE"
	"token|token GET /api/auth/me|200|http://$ADDR_sa_sqlite/api/auth/me|-H|Authorization: Token $TOKEN"
	"login|POST /api/auth/login (argon2id)|200|http://$ADDR_sa_sqlite/api/auth/login|-s|$BENCH_DIR/login.lua"
	"login-c1|POST /api/auth/login, 1 connection|200|http://$ADDR_sa_sqlite/api/auth/login|-t1|-c1|-s|$BENCH_DIR/login.lua"
	${ADDR_sa_postgres:+"sess-postgres|session GET /api/hello, PostgreSQL store|200|http://$ADDR_sa_postgres/api/hello|-H|Cookie: sessionid=$SESS_POSTGRES"}
	${ADDR_sa_postgres:+"token-postgres|token GET /api/auth/me, PostgreSQL|200|http://$ADDR_sa_postgres/api/auth/me|-H|Authorization: Token $PG_TOKEN"}
	${ADDR_sa_redis:+"sess-redis|session GET /api/hello, Redis (users in PostgreSQL)|200|http://$ADDR_sa_redis/api/hello|-H|Cookie: sessionid=$SESS_REDIS"}
	${ADDR_sa_redis_cached:+"sess-redis-cached|session GET /api/hello, Redis + client_cache|200|http://$ADDR_sa_redis_cached/api/hello|-H|Cookie: sessionid=$SESS_REDIS_CACHED"}
	"scs-memory|scs GET /api/hello, memstore|200|http://$ADDR_scs_memory/api/hello|-H|Cookie: sessionid=$SCS_MEMORY"
	"scs-sqlite|scs GET /api/hello, sqlite3store|200|http://$ADDR_scs_sqlite/api/hello|-H|Cookie: sessionid=$SCS_SQLITE"
)
BARE_URL="http://$ADDR_bare/api/hello"

export BENCH_USER="$USER_NAME" BENCH_PASSWORD="$USER_PASSWORD" BENCH_CSRF="$LOGIN_CSRF"

selected() { [[ -z $ONLY || ",$ONLY," == *",$1,"* ]]; }

# Check that every row answers what it should before measuring it (a 403 measured as a 200 would be
# a meaningless number).
for row in "${ROWS[@]}"; do
	IFS='|' read -r -a f <<<"$row"
	selected "${f[0]}" || continue
	args=()
	if [[ ${f[4]:-} == -H ]]; then args=(-H "${f[5]}"); fi
	if [[ ${f[0]} == login* ]]; then
		args=(-H 'Content-Type: application/json' -H "Cookie: csrftoken=$LOGIN_CSRF" -H "X-CSRFToken: $LOGIN_CSRF"
			--data "{\"username\":\"$USER_NAME\",\"password\":\"$USER_PASSWORD\"}")
	fi
	code=$(curl -s -o "$TMP/check.out" -w '%{http_code}' "${args[@]}" "${f[3]}")
	[[ $code == "${f[2]}" ]] || die "row ${f[0]}: ${f[3]} answered $code, expected ${f[2]}: $(head -c 300 "$TMP/check.out")"
done
code=$(curl -s -o "$TMP/check.out" -w '%{http_code}' "$BARE_URL")
[[ $code == 200 && $(cat "$TMP/check.out") == '{"message":"Hello, authenticated user!"}' ]] || die "bare server answered $code"

# run_wrk OUTFILE DURATION URL [ARGS...]
run_wrk() {
	local out=$1 dur=$2 url=$3; shift 3
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --latency "$@" "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed on $url"; }
}

# parse OUTFILE: prints "rps p50_ms p99_ms non2xx requests"
parse() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
		if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
		return v + 0
	}
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/^Requests\/sec:/ { rps = $2 }
	/requests in/ { n = $1 }
	/Non-2xx or 3xx responses:/ { bad = $NF }
	END { printf "%s %.3f %.3f %d %d\n", rps, p50, p99, bad, n }' "$1"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------------------------------------- report header
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "sessionauth end-to-end benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
echo "go: $(go version | awk '{ print $3, $4 }')   wrk: $(wrk --version 2>&1 | head -n1 | awk '{ print $2 }')"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency over loopback; $ROUNDS rounds; every row right after a bare run"
echo "sessionauth runs with --log-level warn (no per-request log line: this measures the auth stack, not log I/O),"
echo "  --no-bootstrap-admin, --login-rate 1000000/min --login-address-rate 1000000/min;"
echo "  anonymous, token and login rows hit the SQLite-store instance; the login rows are argon2id-bound (one hash per request;"
echo "  login-c1 runs with -t1 -c1 to show the latency of one login on an idle server)."
echo "scs: github.com/alexedwards/scs/v2 LoadAndSave, memstore / sqlite3store (WAL, synchronous=NORMAL, 4 connections)."
echo

# ---------------------------------------------------------------------------------------------- warm-up
if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
	echo "warm-up ($WARMUP per server) ..."
	run_wrk "$TMP/warm.out" "$WARMUP" "$BARE_URL"
	for row in "${ROWS[@]}"; do
		IFS='|' read -r -a f <<<"$row"
		selected "${f[0]}" || continue
		run_wrk "$TMP/warm.out" "$WARMUP" "${f[3]}" "${f[@]:4}"
	done
fi

# ---------------------------------------------------------------------------------------------- rounds
declare -A RPS BRPS RATIO P50 P99 BAD
BARE_ALL=() BARE_P50=() BARE_P99=()
for ((r = 1; r <= ROUNDS; r++)); do
	for row in "${ROWS[@]}"; do
		IFS='|' read -r -a f <<<"$row"
		id=${f[0]}
		selected "$id" || continue
		echo "round $r/$ROUNDS: bare, then $id ..."
		run_wrk "$TMP/bare.$r.$id.out" "$DURATION" "$BARE_URL"
		read -r brps bp50 bp99 bbad _ < <(parse "$TMP/bare.$r.$id.out")
		run_wrk "$TMP/row.$r.$id.out" "$DURATION" "${f[3]}" "${f[@]:4}"
		read -r rps p50 p99 bad n < <(parse "$TMP/row.$r.$id.out")
		if [[ ${f[2]} == 200 && $bad -ne 0 ]]; then
			echo "  WARNING: $id had $bad non-2xx responses out of $n" >&2
		elif [[ ${f[2]} != 200 && $bad -ne $n ]]; then
			echo "  WARNING: $id had $((n - bad)) 2xx responses out of $n (expected all ${f[2]})" >&2
		fi
		BARE_ALL+=("$brps") BARE_P50+=("$bp50") BARE_P99+=("$bp99")
		RPS[$id]+=" $rps" BRPS[$id]+=" $brps" P50[$id]+=" $p50" P99[$id]+=" $p99" BAD[$id]+=" $bad"
		RATIO[$id]+=" $(awk -v a="$rps" -v b="$brps" 'BEGIN { printf "%.4f", a / b }')"
	done
done

if [[ -n ${BENCH_RAW_DIR:-} ]]; then
	mkdir -p "$BENCH_RAW_DIR"
	cp "$TMP"/*.out "$BENCH_RAW_DIR"/
	echo "raw wrk outputs copied to $BENCH_RAW_DIR"
fi

# ---------------------------------------------------------------------------------------------- table
echo
echo "Medians over $ROUNDS rounds (ratio = median of row/bare for each pair; the bare run is the one just before the row)."
printf '%-52s %12s %12s %7s %10s %10s\n' "row" "requests/s" "bare req/s" "ratio" "p50 ms" "p99 ms"
printf '%-52s %12s %12s %7s %10s %10s\n' "$(printf '%.0s-' {1..52})" "------------" "------------" "-------" "----------" "----------"
bare_med=$(echo "${BARE_ALL[*]}" | median)
printf '%-52s %12.0f %12.0f %7.2f %10.3f %10.3f\n' "bare net/http (all bare runs)" "$bare_med" "$bare_med" 1 \
	"$(echo "${BARE_P50[*]}" | median)" "$(echo "${BARE_P99[*]}" | median)"
for row in "${ROWS[@]}"; do
	IFS='|' read -r -a f <<<"$row"
	id=${f[0]}
	selected "$id" || continue
	printf '%-52s %12.0f %12.0f %7.3f %10.3f %10.3f\n' "${f[1]}" \
		"$(echo "${RPS[$id]}" | median)" "$(echo "${BRPS[$id]}" | median)" "$(echo "${RATIO[$id]}" | median)" \
		"$(echo "${P50[$id]}" | median)" "$(echo "${P99[$id]}" | median)"
done
echo
echo "per-round ratios:"
for row in "${ROWS[@]}"; do
	IFS='|' read -r -a f <<<"$row"
	selected "${f[0]}" || continue
	printf '  %-18s %s\n' "${f[0]}" "${RATIO[${f[0]}]# }"
done
