package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/iltod/iltod/locales"
)

// Config holds every gateway's settings and secrets, read from the file that serve's
// and demo's -gateways flag names. A gateway left out is not served: its webhook
// answers 404. Config has no String method and is never logged.
type Config struct {
	Twilio    *TwilioConfig    `json:"twilio,omitempty" toml:"twilio"`
	Telerivet *TelerivetConfig `json:"telerivet,omitempty" toml:"telerivet"`
	SMSSync   *SMSSyncConfig   `json:"smssync,omitempty" toml:"smssync"`
	HMAC      *HMACConfig      `json:"hmac,omitempty" toml:"hmac"`
	Telegram  *TelegramConfig  `json:"telegram,omitempty" toml:"telegram"`
	// Broadcast names the gateway broadcasts go out through ("twilio", "telerivet",
	// "smssync", "hmac"); "" means the first of those configured, in that order.
	Broadcast string `json:"broadcast,omitempty" toml:"broadcast"`

	// smssync is the queue SMSSync's task poll serves.
	smssync SMSSyncQueue
}

// ReadConfig reads a configuration file: TOML when its name ends in .toml, else JSON.
// Unknown keys are refused, so that a misspelt secret is not silently ignored. The
// errors name the file and the problem, never a value from it.
func ReadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if strings.EqualFold(filepath.Ext(path), ".toml") {
		md, err := toml.Decode(string(b), &c)
		if err != nil {
			return nil, locales.NewError("cli.gateways.toml", locales.Args{"File": filepath.Base(path)})
		}
		if und := md.Undecoded(); len(und) > 0 {
			return nil, locales.NewError("cli.gateways.unknown_key", locales.Args{"File": filepath.Base(path), "Key": und[0].String()})
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, locales.NewError("cli.gateways.json", locales.Args{"File": filepath.Base(path), "Problem": jsonProblem(err)})
		}
	}
	if err := c.Validate(); err != nil {
		return nil, locales.NewError("cli.gateways.invalid", locales.Args{"File": filepath.Base(path), "Err": err})
	}
	return &c, nil
}

// need is the error of a gateway that lacks fields.
func need(gateway, fields string) error {
	return locales.NewError("cli.gateways.need", locales.Args{"Gateway": gateway, "Fields": fields})
}

// jsonProblem describes a JSON error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asErr(err, &se):
		return "@" + strconv.FormatInt(se.Offset, 10)
	case asErr(err, &te):
		return te.Field
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "?"
}

// Validate checks that each configured gateway has what it needs.
func (c *Config) Validate() error {
	switch {
	case c.Twilio != nil && (c.Twilio.AuthToken == "" || c.Twilio.PublicURL == ""):
		return need("twilio", "auth_token, public_url")
	case c.Twilio != nil && !strings.HasPrefix(c.Twilio.PublicURL, "http"):
		return locales.NewError("cli.gateways.public_url", nil)
	case c.Telerivet != nil && c.Telerivet.Secret == "":
		return need("telerivet", "secret")
	case c.SMSSync != nil && c.SMSSync.Secret == "":
		return need("smssync", "secret")
	case c.HMAC != nil && len(c.HMAC.Secret) < 16:
		return locales.NewError("cli.gateways.hmac_secret", locales.Args{"Min": 16})
	case c.Telegram != nil && (c.Telegram.SecretToken == "" || c.Telegram.BotToken == ""):
		return need("telegram", "bot_token, secret_token")
	}
	if c.Broadcast != "" {
		// Broadcasts go to phone numbers: Telegram, which knows chats, cannot send them.
		if s, err := c.sender(c.Broadcast); err != nil || s == nil || c.Broadcast == Telegram {
			return locales.NewError("cli.gateways.broadcast", locales.Args{"Name": fmt.Sprintf("%q", c.Broadcast)})
		}
	}
	return nil
}

// SMSSyncQueue is the queue that SMSSync's task poll serves.
func (c *Config) SMSSyncQueue() *SMSSyncQueue { return &c.smssync }

// Sender returns the sender broadcasts go through and its gateway's name, or nil when no
// configured gateway can send.
func (c *Config) Sender() (Sender, string) {
	if c == nil {
		return nil, ""
	}
	names := []string{Twilio, Telerivet, SMSSync, HMAC}
	if c.Broadcast != "" {
		names = []string{c.Broadcast}
	}
	for _, n := range names {
		if s, _ := c.sender(n); s != nil {
			return s, n
		}
	}
	return nil, ""
}

func (c *Config) sender(name string) (Sender, error) {
	switch name {
	case Twilio:
		if c.Twilio != nil && c.Twilio.AccountSID != "" && c.Twilio.From != "" {
			return &TwilioSender{Config: c.Twilio}, nil
		}
	case Telerivet:
		if c.Telerivet != nil && c.Telerivet.APIKey != "" && c.Telerivet.ProjectID != "" {
			return &TelerivetSender{Config: c.Telerivet}, nil
		}
	case SMSSync:
		if c.SMSSync != nil {
			return &c.smssync, nil
		}
	case HMAC:
		if c.HMAC != nil && c.HMAC.SendURL != "" {
			return &HMACSender{Config: c.HMAC}, nil
		}
	case Telegram:
		if c.Telegram != nil {
			return &TelegramSender{Config: c.Telegram}, nil
		}
	default:
		return nil, fmt.Errorf("unknown gateway")
	}
	return nil, nil
}
