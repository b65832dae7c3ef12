//go:build unix && !linux

package lambdarun

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
