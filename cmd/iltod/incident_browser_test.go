package main

import (
	"strings"
	"testing"

	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/browsertest"
)

// TestIncidentPageBrowser shows the incidents page of the demo, with its fictional
// documented incidents and the privacy fixture's, in a real headless Chromium, in both
// languages: no violation of axe-core's WCAG 2.1 A and AA rules, no console error (the
// Content-Security-Policy included), the demonstration banner visible, the map by aimag
// and the incidents drawn, the published evidence image loaded, and no sideways scroll
// on a phone 320 pixels wide.
func TestIncidentPageBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	b := browsertest.Start(t)
	browsertest.RequireAxe(t)
	d := newIncidentDemo(t)
	tab := newPageTab(t, b)
	for _, lang := range siteLangs {
		url := d.base + "e/" + demo.ElectionID + "/incidents?lang=" + lang
		tab.SetPhoneViewport(1280, 900)
		tab.Navigate(url)
		checkPublicPage(t, tab, "incidents-documented-"+lang, lang)
		var got struct {
			Map, Incidents, Images, Loaded, Hidden int
		}
		tab.Eval(`(() => {
			const imgs = [...document.querySelectorAll('article.incident img')];
			return {
				Map: document.querySelectorAll('[data-documented] figure.map svg [data-code]').length,
				Incidents: document.querySelectorAll('article.incident').length,
				Images: imgs.length,
				Loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
				Hidden: document.querySelectorAll('[data-hidden]').length,
			};
		})()`, &got)
		if got.Map < 20 || got.Incidents < 7 || got.Images == 0 || got.Loaded != got.Images || got.Hidden == 0 {
			t.Errorf("%s: %d regions on the map, %d incidents, %d of %d images loaded, %d with parts withheld", url, got.Map, got.Incidents, got.Loaded, got.Images, got.Hidden)
		}
		for _, w := range reflowWidths {
			tab.SetPhoneViewport(w, 800)
			var m reflow
			tab.Eval(measureReflow, &m)
			if m.ScrollWidth > m.ClientWidth {
				t.Errorf("%s at %d px: the document is %d pixels wide and scrolls sideways; too wide: %s; screenshot %s",
					url, w, m.ScrollWidth, strings.Join(m.Wide, ", "), tab.Screenshot("incidents-documented-"+lang+"-narrow"))
			}
		}
	}
}
