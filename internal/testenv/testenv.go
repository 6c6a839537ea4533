// Package testenv tells tests where the external services they need (PostgreSQL, Redis, a Redis
// Cluster, Django) are, from environment variables.
//
// A test that needs a service calls Service. When the variable is unset the test is skipped, unless
// SESSIONAUTH_REQUIRE_SERVICES=1, in which case it fails: CI sets that variable so it never passes
// by skipping.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// The variables that name the services.
const (
	PostgresURL   = "SESSIONAUTH_TEST_POSTGRES_URL"   // postgres://user:pass@127.0.0.1:5432/db?sslmode=disable
	RedisURL      = "SESSIONAUTH_TEST_REDIS_URL"      // redis://127.0.0.1:6379/0
	RedisCluster  = "SESSIONAUTH_TEST_REDIS_CLUSTER"  // 127.0.0.1:7001,127.0.0.1:7002,... (cluster nodes)
	RedisSentinel = "SESSIONAUTH_TEST_REDIS_SENTINEL" // 127.0.0.1:26379/mastername
	Django        = "SESSIONAUTH_TEST_DJANGO"         // "1" (find a python3 that imports django) or the path of such a python
	Require       = "SESSIONAUTH_REQUIRE_SERVICES"    // "1": a missing service fails the test
)

// Service returns the value of the variable name. When it is empty the test is skipped, or fails if
// Required reports true.
func Service(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if Required() {
		t.Fatalf("%s is not set and %s=1: this test needs the service", name, Require)
	}
	t.Skipf("%s is not set; set it to run this test", name)
	return ""
}

// Required reports whether missing services are failures rather than skips.
func Required() bool { return os.Getenv(Require) == "1" }

// DjangoPython returns a python interpreter that imports django and rest_framework, as the Django
// variable names it ("1": look for one, Debian's /usr/bin/python3 first), or skips (fails when
// Required). It checks from a neutral directory: started in the repository root, Python would import
// the Go package directory django/ as a namespace package.
func DjangoPython(t testing.TB) string {
	t.Helper()
	v := Service(t, Django)
	candidates := []string{v}
	if v == "1" {
		candidates = []string{"/usr/bin/python3", "python3", "python"}
	}
	for _, c := range candidates {
		cmd := exec.Command(c, "-c", "import django, rest_framework")
		cmd.Dir = os.TempDir()
		if err := cmd.Run(); err == nil {
			return c
		}
	}
	if Required() {
		t.Fatalf("%s=%s but no python that imports django and rest_framework was found (tried %v)", Django, v, candidates)
	}
	t.Skipf("%s=%s but no python that imports django and rest_framework was found (tried %v); install python3-django and python3-djangorestframework", Django, v, candidates)
	return ""
}

// DjangoPythonWith is DjangoPython for a test that also needs the Python modules named (such as
// argon2 and bcrypt for Django's argon2 and bcrypt password hashers): without them it skips, or fails
// when Required.
func DjangoPythonWith(t testing.TB, modules ...string) string {
	t.Helper()
	python := DjangoPython(t)
	for _, m := range modules {
		cmd := exec.Command(python, "-c", "import "+m)
		cmd.Dir = os.TempDir()
		if err := cmd.Run(); err == nil {
			continue
		}
		if Required() {
			t.Fatalf("%s cannot import %s, which this test needs (Debian: apt-get install python3-%s)", python, m, m)
		}
		t.Skipf("%s cannot import %s; install python3-%s to run this test", python, m, m)
	}
	return python
}
