package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// recordingSender is a gateway that keeps what it is asked to send.
type recordingSender struct {
	mu  sync.Mutex
	got map[string]string // to → text
}

func (s *recordingSender) Send(_ context.Context, to, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got[to] = text
	return nil
}

func (s *recordingSender) take() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.got
	s.got = map[string]string{}
	return g
}

// TestConsoleMessages: the broadcast form sends to the observers of the area and role
// chosen and logs one staff event; a coordinator reaches only their areas' observers;
// roles that may not broadcast change nothing; the Messages page shows an observer's
// messages.
func TestConsoleMessages(t *testing.T) {
	env := newConEnv(t)
	snd := &recordingSender{got: map[string]string{}}
	env.a.SetSender("test", snd)
	e := env.pkg.Election.ID
	base := "/staff/e/" + e + "/messages"
	phoneOf := map[string]iltod.Observer{}
	for _, o := range env.pkg.Observers {
		for _, p := range o.Phones {
			phoneOf[p] = o
		}
	}
	inAR := func(o iltod.Observer) bool {
		for _, s := range o.Stations {
			if strings.HasPrefix(s, "AR-") {
				return true
			}
		}
		return false
	}

	admin := env.signIn("admin")
	if status, body := admin.get(base); status != 200 || !strings.Contains(body, `id="broadcast-text"`) {
		t.Fatalf("admin: messages page %d", status)
	}
	seq := env.seq()
	status, body := admin.submit(base+"/broadcast", url.Values{"area": {"MN-AR"}, "role": {"static"}, "text": {"polls close in 1 hour"}})
	if status != 200 || !strings.Contains(body, `class="flash"`) {
		t.Fatalf("admin broadcast: %d %s", status, conFlashOf(body))
	}
	sent := snd.take()
	if len(sent) == 0 {
		t.Fatal("nothing sent")
	}
	var someone string
	for to, text := range sent {
		o := phoneOf[to]
		if text != "polls close in 1 hour" || !inAR(o) || o.Role != iltod.Static {
			t.Errorf("sent to %s (%+v): %q", to, o.Stations, text)
		}
		someone = o.Code
	}
	evs := env.events(seq)
	if len(evs) != 1 || evs[0].Kind != iltod.EventStaff || evs[0].Subject != "broadcast" {
		t.Fatalf("events %+v", evs)
	}
	if strings.Contains(string(evs[0].Detail), "+976") || strings.Contains(string(evs[0].Detail), "polls close") {
		t.Errorf("the event names a number or the text: %s", evs[0].Detail)
	}
	// The observer's messages show the broadcast, out.
	status, body = admin.get(base + "?observer=" + someone)
	if status != 200 || !strings.Contains(body, "polls close in 1 hour") {
		t.Errorf("observer %s's messages: %d", someone, status)
	}

	// The coordinator, limited to Arkhangai, asking for every area reaches only theirs.
	coord := env.signIn("coord")
	if status, body := coord.submit(base+"/broadcast", url.Values{"text": {"check in"}}); status != 200 {
		t.Fatalf("coord broadcast: %d %s", status, conFlashOf(body))
	}
	sent = snd.take()
	if len(sent) == 0 {
		t.Fatal("coord: nothing sent")
	}
	for to := range sent {
		if !inAR(phoneOf[to]) {
			t.Errorf("coord sent outside Arkhangai to %s", to)
		}
	}
	// Through app directly, an observer outside the coordinator's areas refuses the
	// whole broadcast before anything is sent.
	var outside, inside string
	for _, o := range env.pkg.Observers {
		if len(o.Stations) > 0 && !inAR(o) && outside == "" {
			outside = o.Code
		}
		if inAR(o) && inside == "" {
			inside = o.Code
		}
	}
	seq = env.seq()
	cctx := app.WithActor(context.Background(), app.Actor{Staff: "coord", Role: app.RoleCoordinator, Areas: []string{"MN-AR"}})
	if _, err := env.a.Broadcast(cctx, e, []string{inside, outside}, "x"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("coord to an outside observer: %v", err)
	}
	if len(snd.take()) != 0 || env.seq() != seq {
		t.Error("a refused broadcast sent or logged something")
	}

	// A reviewer may not broadcast; an empty text is a mistake in the form.
	reviewer := env.signIn("reviewer")
	if status, _ := reviewer.submit(base+"/broadcast", url.Values{"text": {"hello"}}); status != http.StatusForbidden {
		t.Errorf("reviewer broadcast: %d", status)
	}
	if status, _ := reviewer.get(base); status != http.StatusForbidden {
		t.Errorf("reviewer messages page: %d", status)
	}
	if status, body := admin.submit(base+"/broadcast", url.Values{"text": {"  "}}); status != http.StatusBadRequest || conFlashOf(body) == "" {
		t.Errorf("empty text: %d", status)
	}
	if len(snd.take()) != 0 || env.seq() != seq {
		t.Error("a refused broadcast sent or logged something")
	}
}
