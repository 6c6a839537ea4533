package web

import (
	"strconv"
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	safe := []string{
		"/",
		"/account",
		"/account/",
		"/a/b?c=d&e=f#g",
		"/search?q=%2F%2Fevil.example", // an encoded slash in the query is data, not a host
		"/caf%C3%A9",
		"/café",
		"/.well-known/x",
	}
	for _, next := range safe {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
		if got := redirectTarget(next); got != next {
			t.Errorf("redirectTarget(%q) = %q", next, got)
		}
	}
	unsafe := []string{
		"",
		"https://evil.example",
		"http://evil.example/",
		"//evil.example",
		"///evil.example",
		`/\evil.example`,
		`\\evil.example`,
		`\/evil.example`,
		`http://testserver\@evil.example`,
		`/path\with\backslash`,
		"javascript:alert(1)",
		"JavaScript:alert(1)",
		"data:text/html,x",
		"mailto:a@evil.example",
		"evil.example",
		"account",
		"./account",
		" /account",
		"/%0d%0aLocation:%20https://evil",
		"/\r\nLocation: https://evil",
		"/\nx",
		"/\t/evil.example",
		"/%09/evil.example",
		"/%2F/evil.example", // decodes to "//evil.example"
		"/%2f%2fevil.example",
		"/%5Cevil.example",
		"/%5cevil.example",
		"/x%00",
		"/x\x00",
		"/x\x7f",
		"/x\u0085",
		"/\xff",
		"/%ff",
		"/%zz",
		"/" + strings.Repeat("a", maxNextLength),
	}
	for _, next := range unsafe {
		if got := safeNext(next); got != "" {
			t.Errorf("safeNext(%s) = %q, want refused", strconv.Quote(next), got)
		}
		if got := redirectTarget(next); got != "/" {
			t.Errorf("redirectTarget(%s) = %q, want /", strconv.Quote(next), got)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/account", "//evil", `/\evil`, "/%0d%0a", "https://x", "/a?b=//c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next {
			t.Fatalf("safeNext changed %q into %q", next, got)
		}
		if got[0] != '/' || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t\x00") {
			t.Fatalf("safeNext accepted %q", got)
		}
	})
}
