package electionpkg_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
)

// listSystem is the example's list system, which the tests below extend.
const listSystem = "system: {kind: list_pr, method: hare, threshold: 0.04, threshold_base: valid}"

// TestSeatRulesRoundTrip gives the example's list contest every seat rule that a
// parallel body can carry (an exemption, a coalition threshold, a threshold over the
// tier, qualification by constituency seats, an alliance), then writes the package and
// reads it back: the same contests.
func TestSeatRulesRoundTrip(t *testing.T) {
	m := example(t)
	edit(t, m, "contests.yaml", listSystem, "system: {kind: list_pr, method: dhondt, threshold: 0.05, threshold_base: valid, "+
		"coalition_threshold: 0.08, threshold_scope: tier, qualify_won: 1, alliances: [[L-BLUE, L-RED]]}")
	edit(t, m, "contests.yaml", "party: RED, name: {mn: Улаан нам", "party: RED, threshold_exempt: true, coalition: true, name: {mn: Улаан нам")
	p, err := electionpkg.Read(m)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Contests[2].System
	if s.ThresholdScope != iltod.ScopeTier || s.QualifyWon != 1 || s.CoalitionThreshold != 0.08 || len(s.Alliances) != 1 ||
		!p.Contests[2].Choices[1].ThresholdExempt || !p.Contests[2].Choices[1].Coalition {
		t.Fatalf("rules not read: %+v %+v", s, p.Contests[2].Choices[1])
	}
	dir := t.TempDir()
	if err := electionpkg.Write(dir, p); err != nil {
		t.Fatal(err)
	}
	q, err := electionpkg.ReadDir(dir)
	if err != nil {
		t.Fatalf("written package does not load: %v", err)
	}
	if !reflect.DeepEqual(p.Contests, q.Contests) {
		t.Errorf("round trip changed the contests:\nbefore %+v\nafter  %+v", p.Contests[2], q.Contests[2])
	}
}

// TestSeatRulesErrors breaks the seat rules one way at a time and checks the message.
func TestSeatRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"alliance of one", listSystem, "system: {kind: list_pr, method: dhondt, alliances: [[L-BLUE]]}",
			"contests.yaml:30: system.alliances[0]: an alliance joins two lists or more"},
		{"alliance of an unknown list", listSystem, "system: {kind: list_pr, method: dhondt, alliances: [[L-BLUE, L-GREEN]]}",
			`contests.yaml:30: system.alliances[0]: the alliance names "L-GREEN", which is not a list of the contest`},
		{"exempt candidate", "party: RED, name: {mn: Т. Төгс", "party: RED, threshold_exempt: true, name: {mn: Т. Төгс",
			"contests.yaml:12: choices[2].threshold_exempt: only a party list can have this"},
		{"scope without threshold", listSystem, "system: {kind: list_pr, method: dhondt, threshold_scope: tier}",
			"contests.yaml:30: system.threshold_scope: a threshold over the tier needs a threshold"},
		{"bad scope", listSystem, "system: {kind: list_pr, method: dhondt, threshold: 0.05, threshold_base: valid, threshold_scope: nation}",
			`contests.yaml:30: system.threshold_scope: "nation" is not one of contest, tier`},
		{"ams by a quota", listSystem, "system: {kind: list_pr, method: hare, mixed: ams}",
			"contests.yaml:30: system.method: additional members are given by a divisor method (dhondt, sainte_lague, modified_sainte_lague, huntington_hill), not hare"},
		{"compensates a list", listSystem, "system: {kind: list_pr, method: dhondt, mixed: ams, compensates: [C1, LIST]}",
			`contests.yaml:30: system.compensates[1]: "LIST" is not a constituency contest of another tier of the same body`},
		{"compensates an unknown contest", listSystem, "system: {kind: list_pr, method: dhondt, mixed: mmp, compensates: [C9]}",
			`contests.yaml:30: system.compensates[0]: unknown contest "C9"`},
		{"qualify_won on a block vote", "system: {kind: block}\n    choices:\n      - {code: C2-1", "system: {kind: block, qualify_won: 1}\n    choices:\n      - {code: C2-1",
			"contests.yaml:20: system.qualify_won: does not apply to a block system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := example(t)
			edit(t, m, "contests.yaml", tc.old, tc.new)
			_, err := electionpkg.Read(m)
			var pe *electionpkg.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v; want %s", err, tc.want)
			}
			var got []string
			for _, p := range pe.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("problems:\n  %s\nwant exactly:\n  %s", strings.Join(got, "\n  "), tc.want)
			}
		})
	}
}
