package http

import (
	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// checksIn returns a copy of cs whose Detail is written in lang (CheckResult.DetailIn),
// for a page or a response in that language; cs, which a store may share, is unchanged.
// A result made before QA spoke the catalogue keeps its English Detail.
func checksIn(cs []iltod.CheckResult, lang string) []iltod.CheckResult {
	if cs == nil {
		return nil
	}
	out := make([]iltod.CheckResult, len(cs))
	for i, c := range cs {
		c.Detail = c.DetailIn(lang)
		out[i] = c
	}
	return out
}

// receiptIn returns a copy of rc whose checks' details are written in lang. Only the
// response changes: the stored checks keep their English detail, and the signed promise
// does not cover the checks at all. In English it returns rc itself: its checks' Detail
// is the English that QA wrote when it checked the report, and writing it again for
// every receipt of a busy night cost as much as a tenth of ingest.
func receiptIn(rc *app.Receipt, lang string) *app.Receipt {
	if rc == nil || lang == locales.Fallback {
		return rc // the checks' Detail is their English already
	}
	out := *rc
	out.Checks = checksIn(rc.Checks, lang)
	return &out
}
