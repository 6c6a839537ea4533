// Package stackbench holds the benchmarks of a whole authenticated request (session middleware →
// session → user → view) beside a bare net/http handler, for each store. It has no code of its own;
// run it with
//
//	go test -run NONE -bench . -benchmem ./internal/stackbench/
package stackbench
