// Package deadline bounds the calls that network stores make.
package deadline

import (
	"context"
	"time"
)

// Within returns ctx limited to d from now: as it is when it already ends sooner (no timer is
// made), shortened otherwise. d <= 0 leaves ctx unbounded. A store client that retries until its
// context ends would otherwise hold a call to a lost server for as long as the caller allows.
func Within(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	if end, ok := ctx.Deadline(); ok && time.Until(end) <= d {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
