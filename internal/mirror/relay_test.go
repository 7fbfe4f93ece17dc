package mirror

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

func signed(t *testing.T, priv ed25519.PrivateKey, id string) []byte {
	t.Helper()
	env, err := iltod.SignReport(iltod.Report{ID: id, Election: "e", Station: "s", Form: "f", FormVersion: 1,
		DeviceTime: "2024-06-28T22:00:00+08:00", Answers: map[string]iltod.Value{"A": iltod.IntValue(1)}}, priv)
	if err != nil {
		t.Fatal(err)
	}
	return env.Bytes()
}

// TestRelayIntake checks the relay's answers while the origin is unreachable: accepted
// for relay, the same envelope once, a bad envelope refused at once, a full queue
// refused with rate_limited, and a batch answered envelope by envelope.
func TestRelayIntake(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	o := startOrigin(t, t.TempDir(), "a")
	m, err := Open(Config{Origin: down.URL + "/", Dir: t.TempDir(), Verifier: verifier(t, o, nil), MaxQueue: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	post := func(body []byte) (int, string) {
		resp, err := http.Post(srv.URL+"/api/v1/reports", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("the relay does not allow the app's origin")
		}
		return resp.StatusCode, string(b)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	for i := range 2 {
		env := signed(t, priv, fmt.Sprintf("report-%04d", i))
		for range 2 {
			if code, body := post(env); code != http.StatusAccepted || !strings.Contains(body, `"state":"relayed"`) {
				t.Fatalf("envelope %d: %d %s", i, code, body)
			}
		}
	}
	if st := m.Status().Relay; st.Queued != 2 {
		t.Errorf("queued %d; want 2 (the same envelope twice is one)", st.Queued)
	}
	for name, body := range map[string][]byte{
		"not json":  []byte("{"),
		"short id":  signed(t, priv, "x"),
		"other sig": forge(t, signed(t, priv, "report-0042")),
	} {
		if code, answer := post(body); code < 400 || code >= 500 {
			t.Errorf("%s: %d %s; want a 4xx", name, code, answer)
		}
	}
	code, body := post([]byte(fmt.Sprintf(`{"envelopes":[%s,%s,"x"]}`, signed(t, priv, "report-0002"), signed(t, priv, "report-0003"))))
	var out struct {
		Results []map[string]json.RawMessage `json:"results"`
	}
	json.Unmarshal([]byte(body), &out)
	if code != http.StatusOK || len(out.Results) != 3 || out.Results[0]["relay"] == nil || out.Results[1]["error"] == nil || out.Results[2]["error"] == nil {
		t.Fatalf("batch: %d %s; want relayed, queue full, invalid", code, body)
	}
	if !strings.Contains(string(out.Results[1]["error"]), "rate_limited") {
		t.Errorf("a full queue: %s", out.Results[1]["error"])
	}
	resp, err := http.Get(srv.URL + "/api/v1/reports/report-0000/receipt?election=e")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "cannot be reached") {
		t.Errorf("a receipt with the origin down and nothing kept: %d %s", resp.StatusCode, b)
	}
}

// forge changes one answer of an envelope and keeps its signature.
func forge(t *testing.T, raw []byte) []byte {
	t.Helper()
	env, err := iltod.ParseEnvelope(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := bytes.Replace(env.Payload, []byte(`"A":1`), []byte(`"A":2`), 1)
	if bytes.Equal(p, env.Payload) {
		t.Fatal("the forgery did not apply")
	}
	return (&iltod.Envelope{Payload: p, Key: env.Key, Sig: env.Sig}).Bytes()
}
