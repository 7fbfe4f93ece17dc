package browsertest

import "github.com/chromedp/cdproto/emulation"

// SetScriptsDisabled switches the page's own JavaScript off (or on again), as a reader
// who turned JavaScript off in the browser, or Tor Browser at its Safest level, would
// have it: the pages the tab loads from then on run no script of theirs. The tab's
// methods still work: they act through the DevTools protocol, not through the page's
// scripts; a test that must tell the two apart can load a page whose script would leave
// a mark. Scripts that the tab's methods evaluate which wait on a timer or a promise
// (AxeViolations) do not finish while scripts are off: switch them on for those.
func (t *Tab) SetScriptsDisabled(disabled bool) {
	t.tb.Helper()
	if _, err := callCDP(t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: disabled}); err != nil {
		t.failf("SetScriptsDisabled(%v): %v", disabled, err)
	}
	// Actions that wait for the page to settle cannot wait on its timers now.
	t.mu.Lock()
	t.noScripts = disabled
	t.mu.Unlock()
}
