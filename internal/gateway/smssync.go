package gateway

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/iltod/iltod/internal/app"
)

// SMSSync, Ushahidi's Android gateway (smssync.ushahidi.com/developers): the phone POSTs
// each SMS to the Sync URL as urlencoded from, message, message_id, sent_to, secret,
// device_id and sent_timestamp (UNIX, milliseconds in current versions). The server
// answers {"payload":{"success":true,"error":null}}, and may add a task:
// "task":"send","secret":…,"messages":[{"to","message","uuid"}], which the phone sends
// as SMS ("Get reply from server"). The phone also polls GET ?task=send for queued
// messages, answered with the same task payload; iltod requires the secret on the poll
// too (…?task=send&secret=…), so that no one else drains the queue. The payload's secret
// lets the phone check the server.

// SMSSyncConfig configures SMSSync.
type SMSSyncConfig struct {
	// Secret is the secret key set in the app.
	Secret string `json:"secret" toml:"secret"`
}

// SMSSyncMessage is one message of a send task.
type SMSSyncMessage struct {
	To      string `json:"to"`
	Message string `json:"message"`
	UUID    string `json:"uuid"`
}

// DecodeSMSSync authenticates and decodes an SMSSync POST.
func DecodeSMSSync(c *SMSSyncConfig, r Request) (app.InboundMessage, error) {
	if c == nil || c.Secret == "" {
		return app.InboundMessage{}, ErrAuth
	}
	p, err := form(r.Body)
	if err != nil || !equal(p.Get("secret"), c.Secret) {
		return app.InboundMessage{}, ErrAuth
	}
	from, id := p.Get("from"), p.Get("message_id")
	if from == "" {
		return app.InboundMessage{}, ErrMalformed
	}
	in := app.InboundMessage{Transport: "sms", From: from, Text: p.Get("message"), Gateway: SMSSync, GatewayID: id,
		Received: time.Now().UTC()}
	if s := p.Get("sent_timestamp"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return app.InboundMessage{}, ErrMalformed
		}
		if n > 1e11 { // milliseconds
			in.Received = time.UnixMilli(n).UTC()
		} else {
			in.Received = time.Unix(n, 0).UTC()
		}
	}
	return in, nil
}

// SMSSyncPollAuth checks the secret of a GET task poll.
func SMSSyncPollAuth(c *SMSSyncConfig, query url.Values) error {
	if c == nil || c.Secret == "" || !equal(query.Get("secret"), c.Secret) {
		return ErrAuth
	}
	return nil
}

// SMSSyncReply is the task payload carrying msgs (none: success only).
func SMSSyncReply(c *SMSSyncConfig, msgs []SMSSyncMessage) []byte {
	payload := map[string]any{"success": true, "error": nil}
	if len(msgs) > 0 {
		payload["task"] = "send"
		payload["secret"] = c.Secret
		payload["messages"] = msgs
	}
	b, _ := json.Marshal(map[string]any{"payload": payload})
	return b
}

// SMSSyncQueue is the SMSSync sender: Send queues a message, and the phone's next task
// poll takes it. It is safe for concurrent use.
type SMSSyncQueue struct {
	mu   sync.Mutex
	msgs []SMSSyncMessage
}

// maxQueue bounds the queue: a phone that never polls must not grow it without end.
const maxQueue = 100000

// Send implements Sender.
func (q *SMSSyncQueue) Send(_ context.Context, to, text string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) >= maxQueue {
		return ErrQueueFull
	}
	q.msgs = append(q.msgs, SMSSyncMessage{To: to, Message: text, UUID: newUUID()})
	return nil
}

// Take removes and returns up to n queued messages, oldest first.
func (q *SMSSyncQueue) Take(n int) []SMSSyncMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.msgs))
	out := append([]SMSSyncMessage(nil), q.msgs[:n]...)
	q.msgs = q.msgs[n:]
	return out
}

// Len is the number of queued messages.
func (q *SMSSyncQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}
