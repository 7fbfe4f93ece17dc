//go:build unix

// Package cputime tells how much processor time this process has used, for benchmarks
// that report what a run cost beside how long it took.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time the process has used, user and system, or 0 if it cannot
// tell.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
