package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestBenchCommand runs a short "iltod bench -surge" and checks that it prints the page
// against its pre-compressed ceiling, both ratios, and the surge run's acknowledgement
// p99 in each phase with their ratio.
func TestBenchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demonstration and measures for a few seconds")
	}
	code, stdout, stderr := iltodCmd(t, "bench", "-lang", "en", "-duration", "300ms", "-warmup", "100ms", "-clients", "4",
		"-ingest=false", "-surge", "-surge-for", "700ms")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, re := range []string{
		`the ceiling, the same bytes gzipped once with their ETag`,
		`results page: \d+ requests .* 0 errors, 0 non-2xx`,
		`static file: +\d+ requests .* 0 errors, 0 non-2xx`,
		`ratio page/static: [0-9.]+ of the requests per second`,
		`ratio p99 page/static: [0-9.]+ `,
		`quiet: 4 readers for 700ms: \d+ requests`,
		`surge: 40 readers for 700ms: \d+ requests`,
		`ingest acknowledgement p99: quiet [0-9.]+[µm]?s \(\d+ reports\), surge [0-9.]+[µm]?s \(\d+ reports\); ratio surge/quiet [0-9.]+`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("stdout does not match %q:\n%s", re, stdout)
		}
	}
	if strings.Contains(stdout, "lacks acknowledgements") {
		t.Errorf("the probe's reports were refused:\n%s", stdout)
	}
}
