package forensics

import (
	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// The notes that results carry. Each says what its screen can show and what it cannot; the
// words are the message catalogue's stats.forensics.* (package locales), in every language
// it speaks. Results hold copies, so that a caller may change its own without changing
// these.
var (
	integerNote   = catalogueNote("integer")
	integerMCNote = iltod.Text(locales.Text("stats.forensics.integer_mc",
		locales.Args{"Integer": locales.Key("stats.forensics.integer")}))
	fingerprintNote    = catalogueNote("fingerprint")
	secondDigitNote    = catalogueNote("second_digit")
	lastDigitNote      = catalogueNote("last_digit")
	zeroFiveNote       = catalogueNote("zero_five")
	flagsNote          = catalogueNote("flags")
	overRegisteredNote = catalogueNote("over_registered")
	nearUnanimousNote  = catalogueNote("near_unanimous")
	areaOutlierNote    = catalogueNote("area_outlier")
)

// catalogueNote returns the catalogue's note stats.forensics.<name> in every language.
func catalogueNote(name string) iltod.Text { return locales.Text("stats.forensics." + name) }
