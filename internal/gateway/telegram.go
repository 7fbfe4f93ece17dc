package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/app"
)

// A Telegram bot through the Bot API (core.telegram.org/bots/api): setWebhook with
// secret_token makes Telegram POST each Update as JSON with the header
// X-Telegram-Bot-Api-Secret-Token holding that token. An Update has update_id and, for a
// text message, message{message_id, from{id}, chat{id}, date, text}. A webhook may answer
// with a Bot API method call in its body (core.telegram.org/bots/api#making-requests-when-
// getting-updates): {"method":"sendMessage","chat_id":…,"text":…}. Outbound: POST
// /bot<token>/sendMessage with JSON {"chat_id", "text"}. The sender's address is
// "telegram:<chat id>".

// TelegramConfig configures a Telegram bot.
type TelegramConfig struct {
	BotToken    string `json:"bot_token" toml:"bot_token"`
	SecretToken string `json:"secret_token" toml:"secret_token"`
	// APIBase is the Bot API; "" means https://api.telegram.org.
	APIBase string `json:"api_base" toml:"api_base"`
}

// TelegramSecretHeader carries the webhook's secret token.
const TelegramSecretHeader = "X-Telegram-Bot-Api-Secret-Token"

type telegramUpdate struct {
	UpdateID int64 `json:"update_id"`
	Message  *struct {
		MessageID int64 `json:"message_id"`
		Date      int64 `json:"date"`
		Chat      struct {
			ID int64 `json:"id"`
		} `json:"chat"`
		Text *string `json:"text"`
	} `json:"message"`
}

// DecodeTelegram authenticates and decodes a Telegram Update. Updates that are not a
// text message are ErrIgnored.
func DecodeTelegram(c *TelegramConfig, r Request) (app.InboundMessage, error) {
	if c == nil || c.SecretToken == "" || !equal(r.Header.Get(TelegramSecretHeader), c.SecretToken) {
		return app.InboundMessage{}, ErrAuth
	}
	var u telegramUpdate
	if err := json.Unmarshal(r.Body, &u); err != nil {
		return app.InboundMessage{}, ErrMalformed
	}
	if u.Message == nil || u.Message.Text == nil {
		return app.InboundMessage{}, ErrIgnored
	}
	if u.Message.Chat.ID == 0 {
		return app.InboundMessage{}, ErrMalformed
	}
	chat := strconv.FormatInt(u.Message.Chat.ID, 10)
	in := app.InboundMessage{Transport: "telegram", From: "telegram:" + chat, Text: *u.Message.Text, Gateway: Telegram,
		GatewayID: chat + ":" + strconv.FormatInt(u.Message.MessageID, 10), Received: time.Now().UTC()}
	if u.Message.Date > 0 {
		in.Received = time.Unix(u.Message.Date, 0).UTC()
	}
	return in, nil
}

// TelegramReply is the webhook answer that sends the reply: a sendMessage call.
func TelegramReply(r app.Reply) []byte {
	chat, err := strconv.ParseInt(strings.TrimPrefix(r.To, "telegram:"), 10, 64)
	if err != nil || r.Text == "" {
		return []byte("{}")
	}
	b, _ := json.Marshal(map[string]any{"method": "sendMessage", "chat_id": chat, "text": r.Text})
	return b
}

// TelegramSender sends through the Bot API's sendMessage.
type TelegramSender struct {
	Config *TelegramConfig
	Client *http.Client
}

// Send implements Sender; to is "telegram:<chat id>".
func (s *TelegramSender) Send(ctx context.Context, to, text string) error {
	chat, err := strconv.ParseInt(strings.TrimPrefix(to, "telegram:"), 10, 64)
	if err != nil || !strings.HasPrefix(to, "telegram:") {
		return ErrAddress
	}
	base := s.Config.APIBase
	if base == "" {
		base = "https://api.telegram.org"
	}
	body, _ := json.Marshal(map[string]any{"chat_id": chat, "text": text})
	return post(ctx, s.Client, Telegram, http.MethodPost, strings.TrimRight(base, "/")+"/bot"+s.Config.BotToken+"/sendMessage",
		"application/json", body, nil)
}
