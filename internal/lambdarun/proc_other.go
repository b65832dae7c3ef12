//go:build !unix

package lambdarun

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

// killGroup kills the RIE (the RIE itself runs on Linux only).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
