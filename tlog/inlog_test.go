package tlog

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func bundleOf(entries ...[]byte) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b
}

func TestSplitEntryBundle(t *testing.T) {
	es, err := SplitEntryBundle(bundleOf([]byte("a"), nil, []byte("ccc")))
	if err != nil || len(es) != 3 || string(es[0]) != "a" || len(es[1]) != 0 || string(es[2]) != "ccc" {
		t.Fatalf("SplitEntryBundle = %q, %v", es, err)
	}
	many := make([][]byte, 257)
	for _, bad := range [][]byte{{0}, {0, 5, 'a'}, bundleOf(many...)} {
		if es, err := SplitEntryBundle(bad); err == nil {
			t.Errorf("SplitEntryBundle(%x) = %q; want an error", bad, es)
		}
	}
}

func FuzzSplitEntryBundle(f *testing.F) {
	f.Add(bundleOf([]byte("a"), []byte("bb")))
	f.Add([]byte{0, 3, 'x'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := SplitEntryBundle(b)
		if err != nil {
			return
		}
		if !bytes.Equal(bundleOf(es...), b) {
			t.Fatalf("the entries do not make the bundle again")
		}
	})
}
