package csrf

import (
	"strings"
	"testing"
)

func TestFailureCode(t *testing.T) {
	tests := map[string]string{
		reasonCrossSite:     "cross_site",
		reasonMisconfigured: "misconfigured",
		"Host checking failed - x is not an allowed host.": "bad_host",
		originFail("null"):                                "bad_origin",
		reasonNoReferer:                                   "no_referer",
		reasonMalformedReferer:                            "malformed_referer",
		reasonInsecureReferer:                             "insecure_referer",
		refererFail("https://x/"):                         "bad_referer",
		reasonNoCookie:                                    "no_cookie",
		"CSRF cookie has incorrect length.":               "bad_cookie",
		reasonTokenMissing:                                "token_missing",
		"CSRF token from POST incorrect.":                 "bad_token",
		"CSRF token from " + headerSource + " incorrect.": "bad_token",
		"CSRF token from POST has invalid characters.":    "bad_token_format",
		"something else":                                  "unknown",
	}
	for reason, want := range tests {
		f := &Failure{Reason: reason}
		if got := f.Code(); got != want {
			t.Errorf("Code(%q) = %q, want %q", reason, got, want)
		}
		if f.Error() != reason {
			t.Errorf("Error() = %q", f.Error())
		}
	}
}

func TestDisplay(t *testing.T) {
	tests := map[string]string{
		"https://a.example/x":           "https://a.example/x",
		"a\r\nb\x00c\x7fd\u0085e":       "abcde",
		"ØBöIß":                         "ØBöIß",
		"bad\xffutf8":                   "bad\uFFFDutf8",
		strings.Repeat("é", 150):        strings.Repeat("é", 100) + "...",
		strings.Repeat("a", maxDisplay): strings.Repeat("a", maxDisplay),
	}
	for in, want := range tests {
		if got := display(in); got != want {
			t.Errorf("display(%q) = %q, want %q", in, got, want)
		}
	}
}
