// Package demo holds the example resources the server mounts beside the auth API: GET /api/hello, the
// seed example of DRF's authentication docs and the benchmarks' hot path, and /api/notes, a small real
// resource that shows object permissions (each user sees and changes only their own notes).
package demo
