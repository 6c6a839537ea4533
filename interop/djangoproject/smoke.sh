#!/usr/bin/env bash
# Smoke test of the interop Django project: migrate, create users, start runserver, and drive
# the API with curl the way the Go tests will. Usage:
#   interop/djangoproject/smoke.sh                      # a temporary SQLite file
#   DJANGO_DATABASE=postgres://u:p@127.0.0.1:5432/db?sslmode=disable interop/djangoproject/smoke.sh
# The PostgreSQL database should be fresh (createdb); the script does not drop it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export DJANGO_DATABASE=${DJANGO_DATABASE:-$WORK/db.sqlite3}
export DJANGO_SECRET_KEY_FILE=$WORK/secret_key
$PY -c 'import secrets; print(secrets.token_urlsafe(50))' >"$DJANGO_SECRET_KEY_FILE"

cd /   # prove that nothing depends on the working directory
manage() { "$PY" "$HERE/manage.py" "$@"; }

fail() { echo "FAIL: $*" >&2; [[ -f $WORK/server.log ]] && tail -n 20 "$WORK/server.log" >&2; exit 1; }
ok() { echo "ok   $*"; }

U=alice PW1='first-Pass-1' PW2='second-Pass-2'
echo "database: ${DJANGO_DATABASE%%\?*}"
manage migrate --noinput >"$WORK/migrate.log" || { cat "$WORK/migrate.log"; fail migrate; }
ok "migrate"
DJANGO_SUPERUSER_PASSWORD=$PW1 manage createsuperuser --noinput --username "$U" --email alice@example.com
manage shell -c "
from django.contrib.auth.models import User
User.objects.create_user('bob', 'bob@example.com', 'bob-pass', is_active=False)"
ok "createsuperuser, shell -c"

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Started directly (not via the manage function, whose subshell would be what $! names).
"$PY" "$HERE/manage.py" runserver --noreload 127.0.0.1:"$PORT" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 100); do
    grep -q "^Starting development server at $BASE/" "$WORK/server.out" 2>/dev/null &&
        curl -s -o /dev/null "$BASE/" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "runserver exited"
    sleep 0.1
done
curl -s -o /dev/null "$BASE/" || fail "runserver not ready"
ok "runserver ready: $(grep '^Starting' "$WORK/server.out")"

# req JAR METHOD PATH [JSON] [curl args...]: sets STATUS, BODY and HEADERS (response headers).
req() {
    local jar=$1 method=$2 path=$3 data=${4-}; shift 4 || shift $#
    local args=(-s -X "$method" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}')
    [[ $jar != - ]] && args+=(-b "$WORK/$jar" -c "$WORK/$jar")
    [[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data "$data")
    STATUS=$(curl "${args[@]}" "$@" "$BASE$path")
    BODY=$(cat "$WORK/body") HEADERS=$(tr -d '\r' <"$WORK/headers")
}
# expect STATUS 'python expression over d (the JSON body; None if empty)' description
expect() {
    [[ $STATUS == "$1" ]] || fail "$3: status $STATUS, want $1; body: $BODY"
    BODY=$BODY $PY -c '
import json, os, sys
b = os.environ["BODY"]; d = json.loads(b) if b else None
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" || fail "$3: body $BODY does not satisfy: $2"
    ok "$3"
}
jar_csrf() { awk '$6 == "csrftoken" { print $7 }' "$WORK/$1"; }
json() { BODY=$BODY $PY -c 'import json, os, sys; print(json.loads(os.environ["BODY"])[sys.argv[1]])' "$1"; }

# --- CSRF ---
req A GET /api/auth/csrf
expect 200 'len(d["csrfToken"]) == 64' "GET /api/auth/csrf gives a 64-char masked token"
TOKEN=$(json csrfToken)
echo "     $(grep -i '^set-cookie: *csrftoken' <<<"$HEADERS")"
[[ -n $(jar_csrf A) ]] || fail "no csrftoken cookie"

LOGIN="{\"username\": \"$U\", \"password\": \"$PW1\"}"
req A POST /api/auth/login "$LOGIN"
expect 403 'd == {"detail": "CSRF Failed: CSRF token missing or incorrect."}' "login without X-CSRFToken is 403"
req - POST /api/auth/login "$LOGIN" -H "X-CSRFToken: $TOKEN"
expect 403 'd == {"detail": "CSRF Failed: CSRF cookie not set."}' "login without the csrftoken cookie is 403"

# --- login ---
req A POST /api/auth/login "{\"username\": \"$U\"}" -H "X-CSRFToken: $TOKEN"
expect 400 'd == {"password": ["This field is required."]}' "login without password is 400"
req A POST /api/auth/login "{\"username\": \"$U\", \"password\": \"nope\"}" -H "X-CSRFToken: $TOKEN"
expect 400 'd == {"detail": "Unable to log in with provided credentials."}' "login with a wrong password is 400"
req A POST /api/auth/login '{"username": "bob", "password": "bob-pass"}' -H "X-CSRFToken: $TOKEN"
expect 400 'd == {"detail": "Unable to log in with provided credentials."}' "login of an inactive user is 400"
req A POST /api/auth/login "$LOGIN" -H "X-CSRFToken: $TOKEN"
expect 200 'd["user"]["username"] == "alice" and d["user"]["is_superuser"] and d["user"]["last_login"].endswith("Z")' \
    "login is 200 with the user"
echo "     $(grep -i '^set-cookie' <<<"$HEADERS" | tr '\n' ' ')"
[[ $(jar_csrf A) != "$TOKEN" ]] || fail "login did not rotate the CSRF cookie"

req A GET /api/auth/me
expect 200 'd["username"] == "alice" and set(d) == {"id", "username", "email", "is_staff", "is_superuser", "date_joined", "last_login"}' \
    "GET /api/auth/me with the session"

# --- session data (DRF enforces CSRF for the authenticated session) ---
req A POST /api/session '{"key": "color", "value": "blue"}'
expect 403 'd == {"detail": "CSRF Failed: CSRF token missing or incorrect."}' "POST /api/session without CSRF is 403"
req A POST /api/session '{"key": "color", "value": "blue"}' -H "X-CSRFToken: $TOKEN"
expect 403 'd["detail"].startswith("CSRF Failed")' "the pre-login CSRF token no longer works"
TOKEN=$(jar_csrf A)   # Django 3.2's cookie is itself a masked token, valid in the header
req A POST /api/session '{"key": "color", "value": "blue"}' -H "X-CSRFToken: $TOKEN"
expect 204 'd is None' "POST /api/session stores a value"
req A POST /api/session '{"key": "_auth_user_id", "value": "1"}' -H "X-CSRFToken: $TOKEN"
expect 400 '"key" in d' "POST /api/session refuses a reserved key"
req A GET /api/session
expect 200 'd == {"data": {"color": "blue"}}' "GET /api/session shows it"

# --- password change: this session survives, another session of the user does not ---
req B GET /api/auth/csrf
TOKEN_B=$(json csrfToken)
req B POST /api/auth/login "$LOGIN" -H "X-CSRFToken: $TOKEN_B"
expect 200 'd["user"]["username"] == "alice"' "a second session logs in"
req A POST /api/auth/password "{\"old_password\": \"wrong\", \"new_password\": \"$PW2\"}" -H "X-CSRFToken: $TOKEN"
expect 400 'd == {"old_password": ["Your old password was entered incorrectly. Please enter it again."]}' \
    "password change with a wrong old password is 400"
req A POST /api/auth/password "{\"old_password\": \"$PW1\", \"new_password\": \"$PW2\"}" -H "X-CSRFToken: $TOKEN"
expect 204 'd is None' "password change is 204"
req A GET /api/auth/me
expect 200 'd["username"] == "alice"' "the changing session is still logged in"
req A GET /api/session
expect 200 'd == {"data": {"color": "blue"}}' "and keeps its data under the new key"
req B GET /api/auth/me
expect 403 'd == {"detail": "Authentication credentials were not provided."}' "the other session is logged out by the new hash"
req C GET /api/auth/csrf
TOKEN_C=$(json csrfToken)
req C POST /api/auth/login "$LOGIN" -H "X-CSRFToken: $TOKEN_C"
expect 400 'd["detail"] == "Unable to log in with provided credentials."' "the old password no longer logs in"
req C POST /api/auth/login "{\"username\": \"$U\", \"password\": \"$PW2\"}" -H "X-CSRFToken: $TOKEN_C"
expect 200 'd["user"]["username"] == "alice"' "the new password does"

# --- logout ---
req A POST /api/auth/logout '' 
expect 403 'd["detail"].startswith("CSRF Failed")' "logout without CSRF is 403"
req A POST /api/auth/logout '' -H "X-CSRFToken: $TOKEN"
expect 204 'd is None' "logout is 204"
echo "     $(grep -i '^set-cookie' <<<"$HEADERS" | tr '\n' ' ')"
req A GET /api/auth/me
expect 403 'd == {"detail": "Authentication credentials were not provided."}' "GET /api/auth/me after logout is 403"

# --- token authentication ---
OUT=$(manage drf_create_token "$U")
KEY=$(sed -n 's/^Generated token \([0-9a-f]\{40\}\) for user alice$/\1/p' <<<"$OUT")
[[ -n $KEY ]] || fail "drf_create_token printed: $OUT"
ok "drf_create_token: $OUT"
req - GET /api/auth/me '' -H "Authorization: Token $KEY"
expect 200 'd["username"] == "alice"' "GET /api/auth/me with the token"
req - GET /api/auth/me '' -H "Authorization: Token 0000000000000000000000000000000000000000"
expect 403 'd == {"detail": "Invalid token."}' "a wrong token is 403 (SessionAuthentication comes first)"

# --- the database as the Go side would inspect it ---
N=$(manage shell -c "from django.contrib.sessions.models import Session; print(Session.objects.count())")
[[ $N == 1 ]] || fail "want 1 live session (client C), got $N"
ok "shell -c: $N session row left"

grep -q '"GET /api/auth/me HTTP/1.1" 200' "$WORK/server.log" || fail "no request log line on stderr"
ok "request log on stderr, e.g.: $(grep -m1 '"GET /api/auth/me' "$WORK/server.log")"
echo "PASS"
