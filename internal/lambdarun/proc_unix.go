//go:build unix

package lambdarun

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the RIE in a process group of its own, so that
// killGroup ends the function's runtime (its child) with it; on Linux the
// RIE is also killed when this process dies without Close (its runtime then
// exits as the Runtime API goes away).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
}

// killGroup kills the process group cmd leads: the RIE and its runtime.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
