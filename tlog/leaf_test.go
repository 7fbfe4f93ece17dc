package tlog_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/tlog"
)

// TestLeafMarshalIsCanonical checks the directly written leaf against canonjson, for
// plain leaves and for leaves whose strings would need escaping or normalising.
func TestLeafMarshalIsCanonical(t *testing.T) {
	h := [32]byte{1, 2, 0xfe}
	for _, l := range []tlog.LeafData{
		{Election: "mn-2024-sgk-demo", Hash: h, Seq: 1, Kind: iltod.EventReport},
		{Election: "e", Hash: h, Seq: canonjson.MaxInt, Kind: iltod.EventReview},
		{Election: "Upper", Hash: h, Seq: 7, Kind: "device"},
		{Election: `q"uote`, Hash: h, Seq: 7, Kind: "x\ny"},
		{Election: "e\u0301", Hash: h, Seq: 3, Kind: "staff"},
	} {
		want, err := canonjson.Marshal(struct {
			E string `json:"e"`
			H string `json:"h"`
			N uint64 `json:"n"`
			T string `json:"t"`
		}{l.Election, hex.EncodeToString(l.Hash[:]), l.Seq, string(l.Kind)})
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Marshal(); !bytes.Equal(got, want) {
			t.Errorf("Marshal(%+v) = %s, want %s", l, got, want)
		}
	}
}
