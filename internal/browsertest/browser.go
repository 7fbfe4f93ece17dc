// Package browsertest drives a real headless Chromium from Go tests, so that
// the pages of the public site and of the staff console are tested as a person
// meets them: rendered, styled, scripted, and used with a mouse and a keyboard.
//
// A test starts one browser with [Start] and opens tabs with [Browser.NewTab].
// Each tab lives in its own browser context, as an incognito window does, so
// cookies and storage never leak from one tab to another, nor from one test to
// another. The methods of [Tab] wrap github.com/chromedp/chromedp; each one
// waits for what it needs, has a time limit, and on failure stops the test with
// a message that names the selector and the page URL, after it saved a
// screenshot and the page's HTML next to the other screenshots (see
// [ScreenshotDir]).
//
// The browser is Debian's chromium package. Where no browser is installed the
// tests are skipped, except under CI (the environment variable CI is not
// empty), where a missing browser fails the test: CI must install it.
//
// [Tab.AxeViolations] checks a page against WCAG 2.1 A and AA with axe-core,
// the version pinned in testdata/axe/package.json, which `npm ci` there
// installs; without it those checks are skipped, or fail under CI, in the same
// way (see [RequireAxe]).
//
// Tests that use this package are slow by unit-test standards (about a second
// to start a browser) and must only talk to servers on loopback, typically an
// httptest.Server.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// Default window size of a new browser, in CSS pixels. It is a laptop screen;
// use [Tab.SetViewport] for phones.
const (
	DefaultWidth  = 1280
	DefaultHeight = 900
)

// DefaultTimeout is how long one action of a [Tab] (a navigation, a click, a
// wait for an element) may take before the test fails. [Tab.SetTimeout]
// changes it for one tab.
const DefaultTimeout = 15 * time.Second

// startTimeout bounds the launch of the browser and the opening of a tab.
const startTimeout = 30 * time.Second

// flags are the command-line flags the browser is started with, and no
// others besides --user-data-dir, --window-size and the debugging pipe that
// chromedp needs. They make the browser headless, quiet (no update checks, no
// sync, no first-run pages) and able to run as root in a container
// (--no-sandbox, --disable-dev-shm-usage).
var flags = []string{
	"--headless=new",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--no-first-run",
	"--disable-sync",
	"--disable-dev-shm-usage",
}

// Browser is one running headless Chromium. It is made by [Start] and closed
// when the test that started it ends. A Browser may be shared by the subtests
// of the test that started it, and its methods may be called from several
// goroutines.
type Browser struct {
	path    string
	version string
	ctx     context.Context // the chromedp context of the browser's first tab
	output  *tailBuffer     // the last lines that the browser printed
}

// Start launches a headless Chromium for the test t and returns it. The
// browser is stopped and its profile removed when t ends (t.Cleanup).
//
// The executable is the one named by the environment variable ILTOD_CHROMIUM,
// or else the first of chromium, chromium-browser and google-chrome found on
// PATH, or else /usr/bin/chromium. When none exists, Start calls t.Skip, or
// t.Fatal when the environment variable CI is not empty. When ILTOD_CHROMIUM
// names a file that does not exist, Start calls t.Fatal: a wrong setting must
// not silently skip tests.
//
// The browser runs with exactly the flags --headless=new --no-sandbox
// --disable-gpu --disable-background-networking --disable-component-update
// --no-first-run --disable-sync --disable-dev-shm-usage, a fresh profile
// (--user-data-dir) in t.TempDir(), and a window of
// [DefaultWidth]×[DefaultHeight]. Start calls t.Fatal when the
// browser does not start within 30 seconds.
func Start(t testing.TB) *Browser {
	t.Helper()
	path, err := findChromium()
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	if path == "" {
		const msg = "Chromium not found: browser tests skipped; install Debian's chromium (CI does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " [fatal because CI is set]")
		}
		t.Skip(msg)
	}

	b := &Browser{path: path, output: &tailBuffer{max: 8 << 10}}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(DefaultWidth, DefaultHeight),
		chromedp.CombinedOutput(b.output),
	}
	for _, f := range flags {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if hasValue {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b.ctx = ctx
	t.Cleanup(func() {
		// Close the browser gracefully, so that it flushes its profile
		// before t.TempDir removes it; kill it if that takes too long.
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: closing the browser: %v", err)
		}
		ccancel()
		cancel()
		cancelAlloc()
	})

	// The first action launches the browser. Its context must not have a
	// deadline (that would bind the browser's life to it), so the time limit
	// is kept here.
	err = within(startTimeout, cancel, func() error {
		v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
		if err != nil {
			return err
		}
		b.version = v.Product
		return nil
	})
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v\nbrowser output:\n%s", path, err, b.output)
	}
	return b
}

// Version returns the browser's product name and version, such as
// "Chrome/156.0.8078.79".
func (b *Browser) Version() string { return b.version }

// Path returns the file name of the browser executable.
func (b *Browser) Path() string { return b.path }

// findChromium returns the browser executable, "" when there is none, and an
// error when ILTOD_CHROMIUM names a missing file.
func findChromium() (string, error) {
	if p := os.Getenv("ILTOD_CHROMIUM"); p != "" {
		full, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("ILTOD_CHROMIUM=%q: %w", p, err)
		}
		return full, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(fallbackPath); err == nil {
		return p, nil
	}
	return "", nil
}

// fallbackPath is where Debian's chromium package puts the browser, which is
// looked for when it is not on PATH. Tests change it.
var fallbackPath = "/usr/bin/chromium"

// within runs f and returns its error, or gives up after d: it then calls
// abort, which must make f return, and reports the time-out.
func within(d time.Duration, abort func(), f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		abort()
		<-done
		return fmt.Errorf("no answer from the browser after %v", d)
	}
}

// tailBuffer keeps the last max bytes written to it. It is safe for
// concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
