package browsertest

import (
	"context"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// SetOffline cuts the tab off the network, or connects it again, as a phone
// that loses its signal: every request of the page and of its service workers
// fails, and navigator.onLine follows (with the online and offline events).
func (t *Tab) SetOffline(offline bool) {
	t.tb.Helper()
	sw := true
	cond := []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}
	if !offline {
		cond = []*network.Conditions{}
	}
	if _, err := callCDP(t, network.Enable, network.EnableParams{}); err != nil {
		t.failf("SetOffline(%v): enabling the network domain: %v", offline, err)
	}
	if _, err := callCDP(t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &sw, MatchedNetworkConditions: cond,
	}); err != nil {
		t.failf("SetOffline(%v): %v", offline, err)
	}
	if _, err := callCDP(t, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
	}); err != nil {
		t.failf("SetOffline(%v): navigator.onLine: %v", offline, err)
	}
}

// SetGeolocation grants the tab's origin the permission to read the position,
// and makes the position lat, lon (degrees) with the given accuracy (metres).
func (t *Tab) SetGeolocation(origin string, lat, lon, accuracy float64) {
	t.tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: "granted", Origin: origin,
		BrowserContextID: chromedp.FromContext(t.ctx).BrowserContextID,
	})
	if err != nil {
		t.failf("SetGeolocation: permission: %v", err)
	}
	if _, err := callCDP(t, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &lat, Longitude: &lon, Accuracy: &accuracy,
	}); err != nil {
		t.failf("SetGeolocation: %v", err)
	}
}

// DownloadTo makes the files that the page downloads land in dir, under the
// names the page gives them.
func (t *Tab) DownloadTo(dir string) {
	t.tb.Helper()
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		BrowserContextID: chromedp.FromContext(t.ctx).BrowserContextID,
	})
	if err != nil {
		t.failf("DownloadTo(%s): %v", dir, err)
	}
}

// Reload reloads the page, as the browser's reload button does, and waits for
// the load to finish.
func (t *Tab) Reload() {
	t.tb.Helper()
	m := t.mark()
	if _, err := run(t, chromedp.Reload()); err != nil {
		t.failf("Reload(): %v", err)
	}
	if err := t.settle(m); err != nil {
		t.failf("Reload(): %v", err)
	}
}

// UploadFiles sets the files of the file input selector, as a person who chose
// them would, and fires its change event.
func (t *Tab) UploadFiles(selector string, files ...string) {
	t.tb.Helper()
	if _, err := run(t, chromedp.SetUploadFiles(chromedp.CSS(selector), files)); err != nil {
		t.failf("UploadFiles(%q): %v", selector, t.queryError(err, "file input"))
	}
}

// ViewportPNG returns a PNG of what the viewport shows now, as a phone's screen
// would: for screenshots in the documentation.
func (t *Tab) ViewportPNG() []byte {
	t.tb.Helper()
	png, err := run(t, chromedp.CaptureScreenshot())
	if err != nil {
		t.failf("ViewportPNG(): %v", err)
	}
	return png
}
