package http

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/iltod/iltod"
)

// FuzzSplitEnvelopes checks the fast reading of a batch against encoding/json: whatever
// splitEnvelopes reads, encoding/json reads as the same envelopes, byte for byte.
func FuzzSplitEnvelopes(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	var envs []json.RawMessage
	for _, id := range []string{"r-0001", "r-0002", "r-0003"} {
		env, _ := iltod.SignReport(iltod.Report{ID: id, Answers: map[string]iltod.Value{"A": iltod.IntValue(1)}}, priv)
		envs = append(envs, env.Bytes())
		body, _ := json.Marshal(map[string]any{"envelopes": envs})
		f.Add(body)
	}
	f.Add([]byte(`{"envelopes":[{"key":"","payload":"","sig":""},{"key":"","payload":"","sig":""}]}`))
	f.Add([]byte(`{"envelopes":[{"key":"","payload":"","sig":""}],"x":1}`))
	f.Add([]byte(`{"envelopes":[{"a":"},{"}]}`))
	f.Add([]byte(`{"envelopes":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := splitEnvelopes(body)
		if !ok {
			return
		}
		var want struct {
			Envelopes []json.RawMessage `json:"envelopes"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil || dec.More() || len(want.Envelopes) != len(got) || len(got) == 0 {
			t.Fatalf("split %q into %d; encoding/json: %v, %d", body, len(got), err, len(want.Envelopes))
		}
		for i := range got {
			if !bytes.Equal(got[i], want.Envelopes[i]) {
				t.Fatalf("envelope %d: %q, encoding/json %q", i, got[i], want.Envelopes[i])
			}
		}
	})
}
