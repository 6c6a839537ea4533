-- wrk script for POST /api/auth/login: JSON credentials with the CSRF cookie and header.
-- bench/run.sh sets BENCH_USER, BENCH_PASSWORD and BENCH_CSRF (a csrftoken from GET /api/auth/csrf).
local user = os.getenv("BENCH_USER") or "bench"
local password = os.getenv("BENCH_PASSWORD") or ""
local csrf = os.getenv("BENCH_CSRF") or ""

wrk.method = "POST"
wrk.body = string.format('{"username":"%s","password":"%s"}', user, password)
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "csrftoken=" .. csrf
wrk.headers["X-CSRFToken"] = csrf
