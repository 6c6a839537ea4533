module github.com/sessionauth/sessionauth/bench

go 1.26.0

require (
	github.com/alexedwards/scs/sqlite3store v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/mattn/go-sqlite3 v1.14.53
)
