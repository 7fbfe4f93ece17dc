package iltod_test

import (
	"reflect"
	"testing"

	"github.com/iltod/iltod"
)

func sub(id, observer string, seq uint64, status iltod.ReviewStatus, answers map[string]iltod.Value) iltod.Submission {
	return iltod.Submission{Seq: seq, Status: status, Observer: observer, Report: iltod.Report{ID: id,
		Station: "S1", Form: "results", Answers: answers}}
}

func TestMergeRecord(t *testing.T) {
	i := iltod.IntValue
	a := sub("r-a-0001", "101", 1, iltod.Unreviewed, map[string]iltod.Value{"RV": i(900), "K1": i(300), "OK": iltod.BoolValue(true)})
	b := sub("r-b-0001", "102", 2, iltod.Unreviewed, map[string]iltod.Value{"RV": i(900), "K1": i(310), "K2": i(12)})
	rec := iltod.MergeRecord("e", "S1", "results", []iltod.Submission{a, b}, nil)
	if !reflect.DeepEqual(rec.Conflicts, []string{"K1"}) {
		t.Fatalf("conflicts = %v, want [K1]", rec.Conflicts)
	}
	if f := rec.Fields["RV"]; f.Conflict || f.Value.Int != 900 {
		t.Errorf("RV = %+v", f)
	}
	if f := rec.Fields["K2"]; f.Conflict || f.Value.Int != 12 {
		t.Errorf("a field only one observer answered is not a conflict: %+v", f)
	}
	if f := rec.Fields["K1"]; len(f.Variants) != 2 || f.Variants[1].Reports[0] != "r-b-0001" {
		t.Errorf("K1 variants = %+v", f.Variants)
	}

	// A resolution newer than both reports settles the conflict.
	res := []iltod.Resolution{{Station: "S1", Form: "results", Tag: "K1", Value: i(310), Seq: 3}}
	rec = iltod.MergeRecord("e", "S1", "results", []iltod.Submission{a, b}, res)
	if len(rec.Conflicts) != 0 || rec.Fields["K1"].Value.Int != 310 || rec.Fields["K1"].ResolvedBy != 3 {
		t.Errorf("resolved record = %+v", rec)
	}

	// A later disagreeing report from a third observer reopens it.
	c := sub("r-c-0001", "103", 4, iltod.Unreviewed, map[string]iltod.Value{"K1": i(305)})
	rec = iltod.MergeRecord("e", "S1", "results", []iltod.Submission{a, b, c}, res)
	if !reflect.DeepEqual(rec.Conflicts, []string{"K1"}) {
		t.Errorf("a newer report must reopen the conflict: %v", rec.Conflicts)
	}

	// An observer's correction supersedes their own earlier report.
	a2 := sub("r-a-0002", "101", 5, iltod.Unreviewed, map[string]iltod.Value{"RV": i(900), "K1": i(310)})
	rec = iltod.MergeRecord("e", "S1", "results", []iltod.Submission{a, b, a2}, nil)
	if len(rec.Conflicts) != 0 || !reflect.DeepEqual(rec.Reports, []string{"r-b-0001", "r-a-0002"}) {
		t.Errorf("correction: conflicts %v, reports %v", rec.Conflicts, rec.Reports)
	}

	// Rejected and quarantined reports are left out.
	b.Status = iltod.Rejected
	rec = iltod.MergeRecord("e", "S1", "results", []iltod.Submission{a, b}, nil)
	if len(rec.Conflicts) != 0 || rec.Fields["K1"].Value.Int != 300 {
		t.Errorf("rejected report still counted: %+v", rec)
	}
	// NA against a number is a disagreement, not a zero.
	d := sub("r-d-0001", "104", 6, iltod.Unreviewed, map[string]iltod.Value{"K1": {}})
	rec = iltod.MergeRecord("e", "S1", "results", []iltod.Submission{a, d}, nil)
	if !reflect.DeepEqual(rec.Conflicts, []string{"K1"}) {
		t.Errorf("NA vs 300 must conflict: %v", rec.Conflicts)
	}
}
