package incident

import (
	"testing"

	"github.com/iltod/iltod"
)

// FuzzFromJSON checks that FromJSON never panics, and that what it accepts is valid
// and survives JSON and FromJSON again unchanged.
func FuzzFromJSON(f *testing.F) {
	def, err := Default().JSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"severities":[{"code":"low","label":{"en":"Low"}}],"groups":[{"code":"g","label":{"en":"G"},"categories":[{"code":"g.c","label":{"en":"C"}}]}]}`))
	f.Add([]byte(`{"version":1,"extra":true}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tax, err := FromJSON(b)
		if err != nil {
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Fatalf("error %v is not EInvalid", err)
			}
			return
		}
		if err := tax.Validate(); err != nil {
			t.Fatalf("accepted an invalid taxonomy: %v", err)
		}
		again, err := tax.JSON()
		if err != nil {
			t.Fatal(err)
		}
		tax2, err := FromJSON(again)
		if err != nil {
			t.Fatalf("its own JSON is refused: %v", err)
		}
		if b2, _ := tax2.JSON(); string(b2) != string(again) {
			t.Fatalf("round trip changed it:\n%s\n%s", again, b2)
		}
	})
}

// TestFromJSONDefault checks that the default taxonomy survives the election's JSON.
func TestFromJSONDefault(t *testing.T) {
	b, err := Default().JSON()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := FromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tax.Category("freedoms.internet_shutdown"); !ok {
		t.Error("a category was lost")
	}
	if _, err := FromJSON([]byte(`{"version":1,"unknown":1}`)); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("an unknown field: %v", err)
	}
}
