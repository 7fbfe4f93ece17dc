package simulate

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestFullDemoTiming(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("SIM_SECONDS"))
	if secs == 0 {
		t.Skip()
	}
	p := demoPackage(t)
	srv := startServer(t, p)
	start := time.Now()
	var codesDone time.Duration
	cfg := Config{BaseURL: srv.base, Package: p, Issue: srv.issue(p.Election.ID), Duration: time.Duration(secs) * time.Second,
		Progress: func(phase string, done, total int) {
			if phase == PhaseCodes && done == total {
				codesDone = time.Since(start)
			}
		}}
	stats, err := Run(context.Background(), cfg)
	t.Logf("codes in %v; %+v; err %v", codesDone, stats, err)
}
