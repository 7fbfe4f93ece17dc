package pdfprint

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// needChromium skips the test without Chromium, or fails it under CI, where Chromium
// must be installed.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := Find(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is required under CI: %v", err)
		}
		t.Skipf("Chromium not found, PDF printing not tested: %v", err)
	}
}

var pageRe = regexp.MustCompile(`/Type\s*/Page[^s]`)

// TestPrint prints a page long enough for two A4 pages and checks the PDF's header and
// page count.
func TestPrint(t *testing.T) {
	needChromium(t)
	html := `<!DOCTYPE html><html><head><meta charset="utf-8"><style>@page { size: A4; }</style></head><body>` +
		`<h1>Dossier</h1>` + strings.Repeat("<p>Paragraph of the printed page.</p>", 120) + `</body></html>`
	pdf, err := Print(t.Context(), []byte(html))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	if n := len(pageRe.FindAll(pdf, -1)); n < 2 {
		t.Errorf("the PDF has %d pages, want at least 2", n)
	}
}

// TestFindRefusesAMissingChromium: a wrong ILTOD_CHROMIUM is an error, not a fallback.
func TestFindRefusesAMissingChromium(t *testing.T) {
	t.Setenv(EnvChromium, "/nonexistent/chromium")
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Find = %v", err)
	}
	if _, err := Print(t.Context(), []byte("<p>x</p>")); err == nil {
		t.Error("Print ran without Chromium")
	}
}
