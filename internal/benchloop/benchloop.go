// Package benchloop holds the lookup loops the stores' benchmarks share: the same call over a set
// of keys in turn, so that a benchmark measures lookups spread over many records, not one record
// kept hot.
package benchloop

import "testing"

// Serial calls get on keys in turn, once per iteration, reporting allocations. It fails the
// benchmark on the first error.
func Serial[K any](b *testing.B, keys []K, get func(K) error) {
	b.Helper()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := get(keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// Parallel is Serial from GOMAXPROCS goroutines (b.RunParallel), each going through keys from the
// start.
func Parallel[K any](b *testing.B, keys []K, get func(K) error) {
	b.Helper()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := get(keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
