package throttle_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sessionauth/sessionauth/throttle"
)

func TestParseRate(t *testing.T) {
	day := 24 * time.Hour
	good := []struct {
		in   string
		want throttle.Rate
	}{
		{"", throttle.Rate{}},
		{"3/sec", throttle.Rate{N: 3, Period: time.Second}},
		{"3/s", throttle.Rate{N: 3, Period: time.Second}},
		{"1/second", throttle.Rate{N: 1, Period: time.Second}},
		{"5/min", throttle.Rate{N: 5, Period: time.Minute}},
		{"5/minute", throttle.Rate{N: 5, Period: time.Minute}},
		{"5/m", throttle.Rate{N: 5, Period: time.Minute}},
		// Only the first letter of the period counts, as in DRF ("5/mystery" is 5 a minute there too).
		{"5/mystery", throttle.Rate{N: 5, Period: time.Minute}},
		{"10/hour", throttle.Rate{N: 10, Period: time.Hour}},
		{"10/h", throttle.Rate{N: 10, Period: time.Hour}},
		{"100/day", throttle.Rate{N: 100, Period: day}},
		{"1/d", throttle.Rate{N: 1, Period: day}},
		{"1000000/sec", throttle.Rate{N: 1000000, Period: time.Second}},
	}
	for _, c := range good {
		got, err := throttle.ParseRate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if got.IsZero() != (c.in == "") {
			t.Errorf("ParseRate(%q).IsZero() = %v", c.in, got.IsZero())
		}
	}
	bad := []string{
		"1/5m", // DRF: KeyError ('5' is not a period)
		"5",    // no period
		"5/",   // empty period
		"/min", // no number
		"abc/min", "5.5/min", "0x5/min",
		"0/min", "-1/min", // no positive count
		"5/Min", "5/M", "5/ min", // periods are lower-case letters s, m, h, d
		"5/y", "5/w",
		"99999999999999999999/min", // overflows int
	}
	for _, in := range bad {
		if got, err := throttle.ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", in, got)
		}
	}
}

func TestRateString(t *testing.T) {
	cases := []struct {
		r    throttle.Rate
		want string
	}{
		{throttle.Rate{}, ""},
		{throttle.Rate{N: 3, Period: time.Second}, "3/sec"},
		{throttle.Rate{N: 5, Period: time.Minute}, "5/min"},
		{throttle.Rate{N: 100, Period: time.Hour}, "100/hour"},
		{throttle.Rate{N: 1, Period: 24 * time.Hour}, "1/day"},
		// Periods DRF cannot express are still rendered unambiguously (they name throttle keys).
		{throttle.Rate{N: 5, Period: 90 * time.Second}, "5/1m30s"},
		{throttle.Rate{N: 5, Period: 15 * time.Minute}, "5/15m0s"},
	}
	for _, c := range cases {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.r, got, c.want)
		}
	}
	// DRF's periods round-trip.
	for _, s := range []string{"3/sec", "5/min", "100/hour", "1/day"} {
		r, err := throttle.ParseRate(s)
		if err != nil || r.String() != s {
			t.Errorf("ParseRate(%q).String() = %q, %v", s, r.String(), err)
		}
	}
	// Different rates give different strings (they are part of throttle keys).
	seen := map[string]throttle.Rate{}
	for _, r := range []throttle.Rate{
		{N: 5, Period: time.Minute}, {N: 5, Period: 2 * time.Minute}, {N: 50, Period: time.Minute},
		{N: 5, Period: 90 * time.Second}, {N: 5, Period: time.Hour}, {N: 5, Period: 60 * time.Minute},
	} {
		s := r.String()
		if prev, dup := seen[s]; dup && prev != r {
			t.Errorf("%+v and %+v both render as %q", prev, r, s)
		}
		seen[s] = r
	}
}

func ExampleParseRate() {
	r, err := throttle.ParseRate("5/minute")
	fmt.Println(r.N, r.Period, r, err)
	// Output: 5 1m0s 5/min <nil>
}
