package app

// Stand-in until h14-smscore merges; the lead deletes this file at merge.
// It offers only the contract's names, with the least behaviour the gateway layer
// needs: an observer found by phone number, a fixed receipt-like reply, and an
// in-memory message log (broadcast.go's keepMessage uses it while the store lacks
// AddChannelMessage; nothing else needs changing when this file goes).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/iltod/iltod"
)

// InboundMessage is a message from a gateway (contract, issue 14).
type InboundMessage struct {
	Transport string
	From      string
	Text      string
	Gateway   string
	GatewayID string
	Received  time.Time
}

// Reply is the answer to an inbound message (contract, issue 14).
type Reply struct{ To, Text, Lang string }

var standinLog = struct {
	sync.Mutex
	seq  int64
	msgs map[*App][]iltod.ChannelMessage
}{msgs: map[*App][]iltod.ChannelMessage{}}

func init() { standinKeep = (*App).addChannelMessage }

func (a *App) addChannelMessage(_ context.Context, m iltod.ChannelMessage) (int64, error) {
	standinLog.Lock()
	defer standinLog.Unlock()
	standinLog.seq++
	m.ID = standinLog.seq
	standinLog.msgs[a] = append(standinLog.msgs[a], m)
	return m.ID, nil
}

// ReceiveMessage (stand-in) finds the observer by phone and answers a receipt-like code.
func (a *App) ReceiveMessage(ctx context.Context, election string, in InboundMessage) (Reply, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return Reply{}, err
	}
	for _, o := range el.observers {
		if slices.Contains(o.Phones, in.From) {
			sum := sha256.Sum256([]byte(in.GatewayID + in.Text))
			r := Reply{To: in.From, Text: "R" + hex.EncodeToString(sum[:3])}
			a.addChannelMessage(ctx, iltod.ChannelMessage{Election: election, Observer: o.Code, Direction: "in",
				Transport: in.Transport, Gateway: in.Gateway, Address: in.From, Text: in.Text, At: in.Received})
			a.addChannelMessage(ctx, iltod.ChannelMessage{Election: election, Observer: o.Code, Direction: "out",
				Transport: in.Transport, Gateway: in.Gateway, Address: in.From, Text: r.Text, At: a.now()})
			return r, nil
		}
	}
	return Reply{To: in.From, Text: "LINK"}, nil
}

// IssueLinkCode (stand-in) is not implemented here.
func (a *App) IssueLinkCode(ctx context.Context, election, observer string) (string, error) {
	return "", iltod.E(iltod.EInternal, "error.internal", nil)
}

// ChannelMessages (stand-in) lists an observer's messages, newest first.
func (a *App) ChannelMessages(ctx context.Context, election, observer string) ([]iltod.ChannelMessage, error) {
	if err := authorize(ctx, actionReadObservers); err != nil {
		return nil, err
	}
	standinLog.Lock()
	defer standinLog.Unlock()
	var out []iltod.ChannelMessage
	for _, m := range standinLog.msgs[a] {
		if m.Election == election && (observer == "" || m.Observer == observer) {
			out = append(out, m)
		}
	}
	slices.Reverse(out)
	return out, nil
}
