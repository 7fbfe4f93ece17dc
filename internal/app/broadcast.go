package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Sender sends one message to an address through a gateway: an E.164 number, or
// "telegram:<chat id>". internal/gateway implements it for each provider.
type Sender interface {
	Send(ctx context.Context, to, text string) error
}

type outbound struct {
	sender  Sender
	gateway string
}

// SetSender makes broadcasts go out through s, the gateway named gateway ("twilio", …).
// A nil s turns broadcasts off.
func (a *App) SetSender(gateway string, s Sender) {
	if s == nil {
		a.outbound.Store(nil)
		return
	}
	a.outbound.Store(&outbound{sender: s, gateway: gateway})
}

// MaxBroadcast bounds a broadcast's text, in characters: ten SMS segments.
const MaxBroadcast = 700

// broadcastWorkers bounds the sends in flight at once.
const broadcastWorkers = 8

// BroadcastResult counts what a broadcast did.
type BroadcastResult struct {
	// Sent and Failed count messages the gateway took or refused; NoPhone counts observers
	// with no phone number to send to.
	Sent, Failed, NoPhone int
	Gateway               string
}

// Broadcast sends text to each observer's first phone number through the configured
// sender, keeps each message in the observer's message log (direction "out", status
// "sent" or "failed"), and records one staff event naming how many observers it went to
// and the text's hash (never the observers or their numbers: events are logged). Admins
// may broadcast to any observer, coordinators only to observers with a station in their
// areas: one observer outside them refuses the whole broadcast, before anything is sent.
// With no sender configured it is EInvalid (error.broadcast.no_sender).
func (a *App) Broadcast(ctx context.Context, election string, observers []string, text string) (BroadcastResult, error) {
	if err := authorize(ctx, actionBroadcast); err != nil {
		return BroadcastResult{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxBroadcast {
		return BroadcastResult{}, iltod.E(iltod.EInvalid, "error.broadcast.text", locales.Args{"Max": MaxBroadcast})
	}
	if len(observers) == 0 {
		return BroadcastResult{}, iltod.E(iltod.EInvalid, "error.broadcast.nobody", nil)
	}
	out := a.outbound.Load()
	if out == nil {
		return BroadcastResult{}, iltod.E(iltod.EInvalid, "error.broadcast.no_sender", nil)
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return BroadcastResult{}, err
	}
	seen := map[string]bool{}
	var targets []iltod.Observer
	for _, code := range observers {
		obs, ok := el.observers[code]
		if !ok {
			return BroadcastResult{}, iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": election, "Observer": code})
		}
		if err := a.authorizeObserver(ctx, actionBroadcast, election, *obs); err != nil {
			return BroadcastResult{}, err
		}
		if !seen[code] {
			seen[code] = true
			targets = append(targets, *obs)
		}
	}
	sum := sha256.Sum256([]byte(text))
	ev, err := a.staffEvent(ctx, election, iltod.EventStaff, "broadcast", map[string]any{
		"action": "broadcast", "observers": len(targets), "gateway": out.gateway, "text_sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		return BroadcastResult{}, err
	}
	if _, err := a.store.AddEvent(ctx, ev); err != nil {
		return BroadcastResult{}, err
	}
	res := BroadcastResult{Gateway: out.gateway}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan iltod.Observer)
	for range min(broadcastWorkers, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obs := range work {
				if len(obs.Phones) == 0 {
					mu.Lock()
					res.NoPhone++
					mu.Unlock()
					continue
				}
				to := obs.Phones[0]
				status := "sent"
				if err := out.sender.Send(ctx, to, text); err != nil {
					status = "failed"
					a.log.WarnContext(ctx, "broadcast send failed", "election", election, "gateway", out.gateway, "error", err)
				}
				lerr := a.keepMessage(ctx, iltod.ChannelMessage{Election: election, Observer: obs.Code, Direction: "out",
					Transport: "sms", Gateway: out.gateway, Address: to, Text: text, At: a.now().UTC(), Status: status})
				if lerr != nil {
					a.log.ErrorContext(ctx, "broadcast message not kept", "election", election, "error", lerr)
				}
				mu.Lock()
				if status == "sent" {
					res.Sent++
				} else {
					res.Failed++
				}
				mu.Unlock()
			}
		}()
	}
	for _, o := range targets {
		work <- o
	}
	close(work)
	wg.Wait()
	a.notifyLog()
	return res, nil
}

// channelLog is the store's message log (AddChannelMessage, the SMS core's store API).
type channelLog interface {
	AddChannelMessage(ctx context.Context, m iltod.ChannelMessage) (int64, error)
}

// keepMessage keeps m in its observer's message log.
func (a *App) keepMessage(ctx context.Context, m iltod.ChannelMessage) error {
	if s, ok := a.store.(channelLog); ok {
		_, err := s.AddChannelMessage(ctx, m)
		return err
	}
	if standinKeep != nil {
		_, err := standinKeep(a, ctx, m)
		return err
	}
	return iltod.E(iltod.EInternal, "error.internal", nil)
}

// standinKeep is set by the SMS core's stand-in (zz_sms_standin.go) until the store has
// AddChannelMessage; it stays nil afterwards.
var standinKeep func(*App, context.Context, iltod.ChannelMessage) (int64, error)
