package session

import (
	"net/http"
	"strings"
	"testing"
)

func TestReadCookie(t *testing.T) {
	cases := []struct {
		header           []string
		value            string
		found, ambiguous bool
	}{
		{nil, "", false, false},
		{[]string{"sessionid=abc"}, "abc", true, false},
		{[]string{"a=1; sessionid=abc; b=2"}, "abc", true, false},
		{[]string{`sessionid="abc"`}, "abc", true, false},
		{[]string{"xsessionid=abc"}, "", false, false},
		{[]string{"sessionidx=abc"}, "", false, false},
		{[]string{"_ga=x,sessionid=abc"}, "", false, false},
		{[]string{"sessionid=abc; sessionid=def"}, "def", true, true},
		{[]string{"sessionid=abc", "sessionid=abc"}, "abc", true, false},
		{[]string{"sessionid="}, "", true, false},
		{[]string{"  sessionid=abc  ;"}, "abc", true, false},
	}
	for _, c := range cases {
		h := http.Header{"Cookie": c.header}
		v, found, amb := readCookie(h, "sessionid")
		if v != c.value || found != c.found || amb != c.ambiguous {
			t.Errorf("%q: got (%q, %v, %v), want (%q, %v, %v)", c.header, v, found, amb, c.value, c.found, c.ambiguous)
		}
	}
}

// FuzzSessionCookie parses arbitrary Cookie headers the way a request does: it must never panic, and
// only well-formed keys may reach a store.
func FuzzSessionCookie(f *testing.F) {
	for _, s := range []string{"sessionid=abcdefghijklmnopqrstuvwxyz012345", "a=b; sessionid=\"x\"", ";;;=;", "sessionid=a; sessionid=b",
		"sessionid=" + strings.Repeat("z", 100000), "sessionid=\x00\r\n", "_ga=GA1,sessionid=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		v, found, _ := readCookie(http.Header{"Cookie": {header}}, "sessionid")
		if !found && v != "" {
			t.Fatalf("value %q without a cookie", v)
		}
		if ValidKey(v) && (len(v) != KeyLength || strings.Trim(v, keyChars) != "") {
			t.Fatalf("ValidKey accepted %q", v)
		}
	})
}
