package e2e

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill a server whose test process died, so a crashed test run leaves
// no server behind.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
