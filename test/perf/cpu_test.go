package perf

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on
// every Linux architecture Go supports).
const clockTicks = 100

// cpuSample is the CPU time used so far by this process (the operator when it
// runs in-process, the raw client, the ACK player, the fake AWS), and by the
// processes it started, by command name (kube-apiserver, etcd, manager, node).
type cpuSample struct {
	self     time.Duration
	children map[string]time.Duration
	// machine is the CPU time every process used (/proc/stat): what is not
	// this process's or its children's is other load that distorts the run.
	machine time.Duration
}

func sampleCPU() cpuSample {
	s := cpuSample{children: map[string]time.Duration{}, machine: machineBusy()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	me := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, ppid, cpu, ok := procStat(d)
		if ok && ppid == me {
			s.children[comm] += cpu
		}
	}
	return s
}

// machineBusy is the CPU time all processors spent busy since boot.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		busy += v
	}
	return time.Duration(busy) * time.Second / clockTicks
}

// procStat reads a process's command name, parent and CPU time (user+system).
func procStat(dir string) (comm string, ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return "", 0, 0, false
	}
	s := string(b)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return "", 0, 0, false
	}
	comm = s[open+1 : closing]
	f := strings.Fields(s[closing+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return "", 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return comm, ppid, time.Duration(ut+st) * time.Second / clockTicks, true
}

// pidCPU is the CPU time of one process.
func pidCPU(pid int) time.Duration {
	_, _, cpu, _ := procStat(fmt.Sprintf("/proc/%d", pid))
	return cpu
}

// since returns the CPU used between before and s.
func (s cpuSample) since(before cpuSample) cpuSample {
	out := cpuSample{self: s.self - before.self, children: map[string]time.Duration{}, machine: s.machine - before.machine}
	for k, v := range s.children {
		out.children[k] = v - before.children[k]
	}
	return out
}

// others is the CPU time used by processes other than this one and its
// children (other people's work, the kernel).
func (s cpuSample) others() time.Duration {
	o := s.machine - s.self
	for _, v := range s.children {
		o -= v
	}
	return max(0, o)
}

// String is "benchmark process 1.2s, kube-apiserver 3.4s, etcd 0.5s, other processes 0.1s".
func (s cpuSample) String() string {
	parts := []string{fmt.Sprintf("benchmark process %.1fs", s.self.Seconds())}
	for _, k := range []string{"kube-apiserver", "etcd", "manager", "node"} {
		if v, ok := s.children[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.1fs", k, v.Seconds()))
		}
	}
	parts = append(parts, fmt.Sprintf("other processes %.1fs", s.others().Seconds()))
	return strings.Join(parts, ", ")
}

// othersShare is the share (%) of the machine's processors that other
// processes used during wall: above a few percent the run is distorted.
func (s cpuSample) othersShare(wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * s.others().Seconds() / (wall.Seconds() * float64(runtime.NumCPU()))
}
