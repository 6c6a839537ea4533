// Package e2e holds end-to-end tests of the sessionauth binary. TestMain builds cmd/sessionauth once;
// each test starts its own server process on a free loopback port with a temporary SQLite database,
// drives it over real HTTP and through the admin CLI, and stops it with SIGTERM, expecting a clean
// exit.
//
// The tests are black-box: they know only the command line, the environment variables, the HTTP
// contract of DESIGN §5 and what the server writes on stdout and stderr. Run them with
//
//	go test ./e2e/
//
// The package has no non-test code besides this file.
package e2e
