package qa

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden.jsonl.gz from the current code")

// goldenFile holds what ValidateAnswers, Check, CheckGeofence and CheckDeviceClock gave
// for thousands of generated inputs when it was written: the results' codes, outcomes,
// contests, details and messages (as JSON, and written in every language). The checks
// build their results by hand for speed; TestGolden proves a change to that code gives
// byte for byte what was stored before.
const goldenFile = "testdata/golden.jsonl.gz"

// goldenRules exercise every part of the rule language on ruleForm.
var goldenRules = []string{
	"CB <= RV", "sum(K*) <= seats * CV", "max(K1, K2, K3) <= CB", "P1 + P2 + P3 == LV",
	"not answered(QV) or QV", `AS != "3" or answered(NOTE)`, `has(PR, "B") and not DS`,
	"abs(KM1 - K1) <= 2", "100 * CI <= 5 * CB", "CB <= registered", "Q1 * Q2 * Q2 > 0",
	"sum(Q1, 2, K*) >= min(1, 2)", "K13 <= CB", "-Q1 < Q2 or YN", "sum(P*) == LV and LC >= LV",
	"answered(CT) and answered(REQT)", "N * 10 <= M + 3", "sum(KM*) - sum(K*) == 0",
}

type goldenSheet struct {
	name string
	s    *Sheet
	base map[string]iltod.Value
}

func goldenSheets(t testing.TB) []goldenSheet {
	ex, _ := exampleSheet(t)
	rf := ruleForm(goldenRules...)
	rf.Rules[2].Message = nil // a failing rule without words of its own
	conf := resultsForm()
	conf.Checks = &iltod.ResultChecks{OverVoteBallots: 3, OverVoteShare: 0.0015, ReconciliationTolerance: ptr(0.001),
		MachineManualTolerance: 2, Disable: []string{CastSum}}
	conf.Questions = append(conf.Questions, q("RVB integer registered B9"), q("BIL integer issued LIST"),
		q("CBM integer cast "+tierC+" tally=machine"), q("CVM integer valid "+tierC+" tally=machine"))
	few := resultsForm()
	few.Questions = slices.DeleteFunc(few.Questions, func(q iltod.Question) bool { return q.Tag == "P" || q.Tag == "KM" || q.Tag == "LB" })
	few.Questions = append(few.Questions, q("PA integer choice "+tierL+" choice=L-01"), q("PB integer choice "+tierL+" choice=L-02"))
	extra := "Q1=3 Q2=-4 DS=no N=5 M=NA YN=yes QV=yes AS=\"1\" NOTE=\"note\" REQT=\"ok\" CT=\"12:30\" QT=\"x\""
	return []goldenSheet{
		{"example UB-001", ex, benchAnswers(3)},
		{"results S1", mustExpand(t, resultsForm(), "S1"), s1Base},
		{"results S2", mustExpand(t, resultsForm(), "S2"), s2Base},
		{"results S3", mustExpand(t, resultsForm(), "S3"), s2Base},
		{"configured S1", mustExpand(t, conf, "S1"), with(s1Base, "RVB=990 BIL=700 CBM=700 CVM=690")},
		{"configured S2", mustExpand(t, conf, "S2"), with(s2Base, "BIL=500")},
		{"few S2", mustExpand(t, few, "S2"), with(s2Base, "PA=300 PB=100")},
		{"rules S1", mustExpand(t, rf, "S1"), with(s1Base, extra)},
		{"rules S2", mustExpand(t, rf, "S2"), with(s2Base, extra)},
		{"rules S3", mustExpand(t, rf, "S3"), with(s2Base, extra)},
	}
}

// mutate returns a copy of base changed at random: answers dropped, made not applicable,
// of the wrong kind, nudged, far too large; unknown tags added.
func mutate(r *rand.Rand, s *Sheet, base map[string]iltod.Value, rate float64) map[string]iltod.Value {
	out := make(map[string]iltod.Value, len(base))
	for k, v := range base {
		out[k] = v
	}
	for _, it := range s.Questions {
		if r.Float64() >= rate {
			continue
		}
		v, ok := out[it.Tag]
		switch n := r.IntN(12); {
		case n == 0:
			delete(out, it.Tag)
		case n == 1:
			out[it.Tag] = iltod.Value{}
		case n == 2:
			out[it.Tag] = iltod.StrValue("7")
		case n == 3:
			out[it.Tag] = iltod.BoolValue(r.IntN(2) == 0)
		case n == 4:
			out[it.Tag] = iltod.IntValue([]int64{iltod.MaxSafeInt, iltod.MaxSafeInt + 1, -iltod.MaxSafeInt, -1, 0, 1, 20000, 1_000_000}[r.IntN(8)])
		case n == 5:
			out[it.Tag] = iltod.ListValue([]string{"A", "B", "Z", "A"}[:r.IntN(5)])
		case n == 6:
			out[it.Tag] = iltod.StrValue([]string{"1", "4", "", "  ", "12:61", "09:05", "a\x01b", "\xff", strings.Repeat("я", 30)}[r.IntN(9)])
		case ok && v.Kind == iltod.Int:
			out[it.Tag] = iltod.IntValue(v.Int + int64(r.IntN(41)-20)*int64(1+r.IntN(3)*r.IntN(40)))
		}
	}
	if r.Float64() < rate {
		out[[]string{"ZZ", "K99", "K", "P", "k1", "LB", "A_B", "KM0", "K01", strings.Repeat("X", 30)}[r.IntN(10)]] = iltod.IntValue(1)
	}
	return out
}

func goldenLines(t testing.TB) []string {
	var lines []string
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	type res struct {
		Code, Outcome, Contest, Detail string
		Msg                            json.RawMessage
		MN                             string
	}
	type prob struct {
		Field, Message string
		Msg            json.RawMessage
		MN             string
	}
	conv := func(cs []iltod.CheckResult) []res {
		out := make([]res, len(cs))
		for i, c := range cs {
			out[i] = res{c.Code, string(c.Outcome), c.Contest, c.DetailIn("en"), c.Msg.AppendJSON(nil), c.Msg.In("mn")}
		}
		return out
	}
	for _, gs := range goldenSheets(t) {
		r := rand.New(rand.NewPCG(1, uint64(len(gs.name))))
		for i := range 250 {
			rate := []float64{0, 0.02, 0.1, 0.3, 0.8}[i%5]
			ans := mutate(r, gs.s, gs.base, rate)
			var ps []prob
			for _, p := range gs.s.ValidateAnswers(ans) {
				ps = append(ps, prob{p.Field, p.Message, p.Msg.AppendJSON(nil), p.Msg.In("mn")})
			}
			tags := make([]string, 0, len(ans))
			for k := range ans {
				tags = append(tags, k)
			}
			slices.Sort(tags)
			var spec strings.Builder
			for _, k := range tags {
				b, _ := json.Marshal(ans[k])
				fmt.Fprintf(&spec, "%s=%s ", k, b)
			}
			add(map[string]any{"sheet": gs.name, "answers": spec.String(), "problems": ps, "checks": conv(gs.s.Check(ans))})
		}
	}
	st := iltod.Station{Code: "S", Location: &iltod.Point{Lat: 47.91, Lon: 106.88}}
	r := rand.New(rand.NewPCG(2, 3))
	for i := range 200 {
		pos := &iltod.Position{LatE6: 47_910_000 + int64(r.NormFloat64()*float64([]int{100, 10_000, 1_000_000}[i%3])),
			LonE6: 106_880_000 + int64(r.NormFloat64()*20_000), AccuracyM: int64(r.IntN(3) * r.IntN(200))}
		var cs []iltod.CheckResult
		for _, fence := range []int{1, 1000, 25_000} {
			cs = append(cs, CheckGeofence(st, pos, fence))
		}
		cs = append(cs, CheckGeofence(st, nil, 1000), CheckGeofence(iltod.Station{}, pos, 1000))
		add(map[string]any{"geofence": *pos, "checks": conv(cs)})
	}
	received := time.Date(2024, 6, 28, 14, 0, 3, 500_000_000, time.UTC)
	for i := range 200 {
		skew := time.Duration(r.NormFloat64() * float64([]time.Duration{time.Second, time.Minute, time.Hour}[i%3]))
		sent := received.Add(skew).In(time.FixedZone("", 8*3600)).Format([]string{time.RFC3339, time.RFC3339Nano}[i%2])
		dev := received.Add(time.Duration(r.NormFloat64() * float64(time.Hour))).In(time.FixedZone("", 8*3600)).Format(time.RFC3339)
		switch i % 10 {
		case 7:
			sent = "  "
		case 8:
			sent = "yesterday at noon"
		case 9:
			dev = "not a time"
		}
		var cs []iltod.CheckResult
		for _, tol := range []time.Duration{time.Second, 15 * time.Minute, 90 * time.Second, 3 * time.Hour} {
			cs = append(cs, CheckDeviceClock(dev, sent, received, tol))
		}
		add(map[string]any{"device_time": dev, "sent": sent, "checks": conv(cs)})
	}
	return lines
}

// TestGolden compares the checks' results on generated inputs with those stored in
// goldenFile.
func TestGolden(t *testing.T) {
	got := goldenLines(t)
	if *updateGolden {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write([]byte(strings.Join(got, "\n") + "\n"))
		zw.Close()
		if err := os.WriteFile(goldenFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], want[i])
			if bad++; bad == 5 {
				t.FailNow()
			}
		}
	}
}

// TestCheckConcurrent: a sheet, and the messages its results share with it and with
// each other, serve any number of goroutines at once (run it with -race).
func TestCheckConcurrent(t *testing.T) {
	s, _ := exampleSheet(t)
	r := rand.New(rand.NewPCG(5, 6))
	var sets []map[string]iltod.Value
	var want [][]byte
	st := iltod.Station{Code: "S", Location: &iltod.Point{Lat: 47.91, Lon: 106.88}}
	encode := func(ans map[string]iltod.Value, i int) []byte {
		cs := append(s.Check(ans), CheckGeofence(st, &iltod.Position{LatE6: 47_910_000 + int64(i), LonE6: 106_880_000, AccuracyM: 20}, 1000))
		b, err := json.Marshal(cs)
		if err != nil {
			t.Error(err) // not Fatal: encode runs on other goroutines too
		}
		return b
	}
	for i := range 50 {
		ans := mutate(r, s, benchAnswers(i), 0.2)
		sets = append(sets, ans)
		want = append(want, encode(ans, i))
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for k := range 200 {
				i := (g*7 + k) % len(sets)
				if got := encode(sets[i], i); !bytes.Equal(got, want[i]) {
					done <- fmt.Errorf("set %d: %s, want %s", i, got, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
