package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// binary is the sessionauth executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sessionauth-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "sessionauth")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the server:", err)
		return 1
	}
	return m.Run()
}

// build compiles ./cmd/sessionauth of the module this file belongs to (found from the file's own
// path, so the tests run from any working directory).
func build(out string) error {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return fmt.Errorf("cannot locate the test source")
	}
	root := filepath.Dir(filepath.Dir(file))
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gocmd, "build", "-o", out, "./cmd/sessionauth")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, b)
	}
	return nil
}
