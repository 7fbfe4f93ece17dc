//go:build !unix

package cputime

import "time"

// Process returns 0: the process's CPU time is not known here.
func Process() time.Duration { return 0 }
