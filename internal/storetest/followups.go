package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// followupTests check the iltod.FollowupStore part of the contract.
var followupTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"Followups", testFollowups},
}

func testFollowups(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("b"), false)
	in := SampleIncident("inc-cit")
	in.Source, in.Reporter, in.Trust, in.Narrative = iltod.SourceCitizen, "", iltod.TrustLow, ""
	if _, err := s.CreateIncident(ctx, in, staffEvent("", "", "", "report")); err != nil {
		t.Fatalf("CreateIncident: %v", err)
	}
	code := iltod.NewFollowupCode()
	h := iltod.FollowupHash("mn", code)
	created := time.Date(2024, 6, 28, 21, 0, 0, 0, time.FixedZone("ULAT", 8*3600))
	if err := s.PutFollowup(ctx, iltod.Followup{Election: "mn", Hash: h, Incident: "inc-cit", Created: created}); err != nil {
		t.Fatalf("PutFollowup: %v", err)
	}
	if id, err := s.FollowupIncident(ctx, "mn", h); err != nil || id != "inc-cit" {
		t.Errorf("FollowupIncident = %q, %v; want inc-cit", id, err)
	}

	other := iltod.FollowupHash("mn", iltod.NewFollowupCode())
	for name, tc := range map[string]struct {
		election string
		hash     [32]byte
	}{
		"an unknown code":                {"mn", other},
		"the code in another election":   {"b", h},
		"the code in a missing election": {"nowhere", h},
	} {
		if id, err := s.FollowupIncident(ctx, tc.election, tc.hash); iltod.ErrorCodeOf(err) != iltod.ENotFound {
			t.Errorf("%s: FollowupIncident = %q, %v; want ENotFound", name, id, err)
		}
	}

	for name, tc := range map[string]struct {
		f    iltod.Followup
		want iltod.ErrorCode
	}{
		"the same hash again":   {iltod.Followup{Election: "mn", Hash: h, Incident: "inc-cit", Created: created}, iltod.EConflict},
		"an unknown incident":   {iltod.Followup{Election: "mn", Hash: other, Incident: "inc-none", Created: created}, iltod.ENotFound},
		"an unknown election":   {iltod.Followup{Election: "nowhere", Hash: other, Incident: "inc-cit", Created: created}, iltod.ENotFound},
		"another election's id": {iltod.Followup{Election: "b", Hash: other, Incident: "inc-cit", Created: created}, iltod.ENotFound},
	} {
		if err := s.PutFollowup(ctx, tc.f); iltod.ErrorCodeOf(err) != tc.want {
			t.Errorf("PutFollowup with %s: %v; want %s", name, err, tc.want)
		}
		if id, err := s.FollowupIncident(ctx, tc.f.Election, other); err == nil {
			t.Errorf("PutFollowup with %s stored the hash, naming %q", name, id)
		}
	}

	// Of several writers of one new hash, exactly one succeeds.
	race := iltod.FollowupHash("mn", iltod.NewFollowupCode())
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.PutFollowup(ctx, iltod.Followup{Election: "mn", Hash: race, Incident: "inc-cit", Created: created})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch iltod.ErrorCodeOf(err) {
		case "":
			ok++
		case iltod.EConflict:
		default:
			t.Errorf("a concurrent PutFollowup: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent writers of one hash succeeded; want 1", ok, len(errs))
	}
}
