package iltod

import (
	"context"
	"time"
)

// ChannelMessage is one message in or out on a messaging channel (SMS, WhatsApp,
// Telegram), kept per observer. Address and Text are sensitive: they MUST NOT appear in
// the log, on a public page or in a public export.
type ChannelMessage struct {
	// ID is the store's number for the message, increasing in the order stored; 0 until
	// it is stored.
	ID       int64  `json:"id"`
	Election string `json:"election"`
	// Observer is the code of the observer the message came from or went to.
	Observer string `json:"observer"`
	// Direction is MessageIn or MessageOut.
	Direction string `json:"direction"`
	// Transport is "sms", "whatsapp" or "telegram"; Gateway the gateway that carried the
	// message ("twilio", "telerivet", "smssync", "hmac", "telegram", "cli").
	Transport string `json:"transport"`
	Gateway   string `json:"gateway"`
	// GatewayID is the gateway's own id of an incoming message, "" if it gives none; a
	// gateway that delivers a message twice gives it the same id.
	GatewayID string `json:"gateway_id,omitempty"`
	// Address is the observer's phone number (E.164) or messenger account
	// ("telegram:<chat id>").
	Address string `json:"address"`
	Text    string `json:"text"`
	// Report is the id of the report the message made or answered, if any.
	Report string    `json:"report,omitempty"`
	At     time.Time `json:"at"`
	// Status says what became of the message: for one in, "accepted", "duplicate",
	// "refused" or "linked"; for one out, "reply" or "sent" (or a gateway's status).
	Status string `json:"status"`
}

// The directions of a ChannelMessage.
const (
	MessageIn  = "in"
	MessageOut = "out"
)

// ChannelMessageQuery selects an election's channel messages. The zero value selects the
// newest DefaultMessageLimit of every observer.
type ChannelMessageQuery struct {
	// Observer, if set, keeps only this observer's messages.
	Observer string
	// Since, if set, keeps only messages at or after it.
	Since time.Time
	// Limit caps the number returned, newest first kept: 0 means DefaultMessageLimit,
	// and it is never above MaxMessageLimit.
	Limit int
}

// Limits on one read of channel messages.
const (
	DefaultMessageLimit = 200
	MaxMessageLimit     = 5000
)

// EffectiveLimit returns the limit a store applies for q.
func (q ChannelMessageQuery) EffectiveLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultMessageLimit
	case q.Limit > MaxMessageLimit:
		return MaxMessageLimit
	}
	return q.Limit
}

// LinkCode is a one-time code with which an observer links a messenger account: the
// observer sends "LINK <code>" from the account. Only the code's hash is stored.
type LinkCode struct {
	CodeHash [32]byte  `json:"code_hash"`
	Election string    `json:"election"`
	Observer string    `json:"observer"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires"`
}

// MessageStore keeps the messages of the messaging channels and the messenger accounts
// linked to observers.
type MessageStore interface {
	// AddChannelMessage stores m (its ID ignored) and returns its ID, greater than that
	// of every message stored before it. It returns ENotFound for an unknown election and
	// EInvalid for a Direction other than MessageIn and MessageOut.
	AddChannelMessage(ctx context.Context, m ChannelMessage) (int64, error)
	// ChannelMessages returns the messages of an election that q selects: the newest
	// q.EffectiveLimit(), in ID order (oldest first). It returns ENotFound for an
	// unknown election.
	ChannelMessages(ctx context.Context, election string, q ChannelMessageQuery) ([]ChannelMessage, error)
	// CreateLinkCode stores a link code's hash. It returns ENotFound for an unknown
	// election or observer and EConflict for a hash already stored.
	CreateLinkCode(ctx context.Context, c LinkCode) error
	// ClaimLinkCode consumes the code with hash codeHash of election, at time at, and
	// links address to its observer (replacing any earlier link of address in the
	// election). It returns the code, ENotFound for an unknown code, and EConflict for a
	// code used already or expired at at.
	ClaimLinkCode(ctx context.Context, election string, codeHash [32]byte, address string, at time.Time) (LinkCode, error)
	// LinkedObserver returns the code of the observer address is linked to, or ENotFound.
	LinkedObserver(ctx context.Context, election, address string) (string, error)
}
