package app

import (
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// The errors that several App methods return alike. Their words are in the catalogue
// (error.app.*); see iltod.E.

func errNoStation(election, station string) *iltod.Error {
	return iltod.E(iltod.ENotFound, "error.app.no_station", locales.Args{"Election": election, "Station": station})
}

func errNoForm(election, form string) *iltod.Error {
	return iltod.E(iltod.ENotFound, "error.app.no_form", locales.Args{"Election": election, "Form": form})
}

func errNotAssigned(observer, station string) *iltod.Error {
	return iltod.E(iltod.ENotAssigned, "error.app.not_assigned", locales.Args{"Observer": observer, "Station": station})
}

func errObserverOutside(observer string) *iltod.Error {
	return iltod.E(iltod.EForbidden, "error.app.observer_outside", locales.Args{"Observer": observer})
}

// waitSeconds returns a wait in whole seconds, at least 1, for a message that says how
// long to wait.
func waitSeconds(wait time.Duration) int64 {
	return max(1, int64((wait+time.Second-1)/time.Second))
}
