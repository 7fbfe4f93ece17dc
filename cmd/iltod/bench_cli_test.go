package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/loadtest"
	"github.com/iltod/iltod/locales"
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

// TestReadersApartFail checks that a reader process that cannot run its plan (here a
// host off loopback, which loadtest refuses before sending anything) makes
// interleaveApart fail with its reason, not hang or return empty results.
func TestReadersApartFail(t *testing.T) {
	cfg := loadtest.Config{URL: "http://192.0.2.1/", Clients: 1, Duration: 10 * time.Millisecond}
	rs, err := interleaveApart(t.Context(), 1, cfg)
	if err == nil {
		t.Fatalf("interleaveApart with a host off loopback: %v, no error", rs)
	}
	if got := errorText(locales.For("en"), err); !strings.Contains(got, "readers' process failed") || !strings.Contains(got, "loopback") {
		t.Errorf("error %q does not say the readers' process failed, and why", got)
	}
}
