package throttle

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a number of requests per period, written as DRF writes it: "5/min", "100/day", "3/sec".
// Only the first letter of the period counts (s, m, h, d), as in DRF. The zero Rate means no limit.
type Rate struct {
	N      int           // requests allowed per Period; 0 means no limit
	Period time.Duration // length of the sliding window
}

// ParseRate parses a DRF rate string. The empty string gives the zero Rate (no limit).
func ParseRate(s string) (Rate, error) {
	if s == "" {
		return Rate{}, nil
	}
	num, period, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 || period == "" {
		return Rate{}, fmt.Errorf("throttle: invalid rate %q: want <number>/<period>, e.g. 5/min", s)
	}
	var d time.Duration
	switch period[0] {
	case 's':
		d = time.Second
	case 'm':
		d = time.Minute
	case 'h':
		d = time.Hour
	case 'd':
		d = 24 * time.Hour
	default:
		return Rate{}, fmt.Errorf("throttle: invalid rate %q: the period must start with s, m, h or d", s)
	}
	return Rate{N: n, Period: d}, nil
}

// IsZero reports whether r is the zero Rate (no limit).
func (r Rate) IsZero() bool { return r.N == 0 }

// String renders r in DRF's notation.
func (r Rate) String() string {
	if r.IsZero() {
		return ""
	}
	unit := map[time.Duration]string{time.Second: "sec", time.Minute: "min", time.Hour: "hour", 24 * time.Hour: "day"}[r.Period]
	if unit == "" {
		return fmt.Sprintf("%d/%s", r.N, r.Period)
	}
	return fmt.Sprintf("%d/%s", r.N, unit)
}
