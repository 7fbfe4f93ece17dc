package http

import "github.com/iltod/iltod"

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
