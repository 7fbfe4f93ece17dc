// Package pdfprint prints an HTML page to PDF with a headless Chromium, as a browser's
// "print to PDF" does, honouring the page's print styles (@page size and margins).
package pdfprint

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/iltod/iltod/locales"
)

// EnvChromium names the environment variable that gives the Chromium executable.
const EnvChromium = "ILTOD_CHROMIUM"

// Flags are the command-line flags Chromium runs with, besides a fresh
// --user-data-dir and the debugging pipe chromedp needs: headless, quiet (no update
// checks, no sync, no first-run pages, no background requests) and able to run as root
// in a container.
var Flags = []string{"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
	"disable-component-update", "no-first-run", "disable-sync"}

// MaxHTML bounds the page Print accepts.
const MaxHTML = 64 << 20

// Timeout bounds one printing, the browser's start included.
const Timeout = 2 * time.Minute

// Find returns the Chromium executable: the file that ILTOD_CHROMIUM names, which must
// exist; or else /usr/bin/chromium, or chromium or chromium-browser on PATH. Without
// one it returns the catalogue's error error.pdfprint.no_chromium.
func Find() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", locales.NewError("error.pdfprint.bad_chromium", locales.Args{"Env": EnvChromium, "Path": p})
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", locales.NewError("error.pdfprint.no_chromium", locales.Args{"Env": EnvChromium})
}

// Print returns the PDF of the HTML page html, printed by the Chromium that Find
// finds, with the page's backgrounds and CSS page size. The page is loaded from a
// file in a fresh temporary directory, which also holds the browser's profile and is
// removed afterwards. The page should load nothing from elsewhere: the browser is not
// kept from the network, but is started without background networking.
func Print(ctx context.Context, html []byte) ([]byte, error) {
	if len(html) > MaxHTML {
		return nil, locales.NewError("error.pdfprint.too_large", locales.Args{"Max": MaxHTML})
	}
	path, err := Find()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "iltod-pdf-")
	if err != nil {
		return nil, locales.NewError("error.pdfprint.failed", locales.Args{"Err": err})
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, html, 0o600); err != nil {
		return nil, locales.NewError("error.pdfprint.failed", locales.Args{"Err": err})
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(filepath.Join(dir, "profile"))}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	var pdf []byte
	_, err = chromedp.Run(bctx, chromedp.Navigate("file://"+file))
	if err == nil {
		yes := true
		var res page.PrintToPDFResult
		res, err = chromedp.Call(bctx, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: &yes, PreferCSSPageSize: &yes})
		pdf = res.Data
	}
	if err == nil && len(pdf) == 0 {
		err = errors.New("the browser printed nothing")
	}
	if err != nil {
		return nil, locales.NewError("error.pdfprint.failed", locales.Args{"Err": err})
	}
	return pdf, nil
}
