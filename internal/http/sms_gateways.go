package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/gateway"
)

// The SMS and messenger gateways' webhooks, under /sms/{election}/. Each authenticates
// the request as its provider documents (internal/gateway), hands the message to
// app.ReceiveMessage, and answers with the reply in the provider's format. A request
// that fails authentication is answered 401 (403 for Twilio, as its libraries do) and
// has no other effect: nothing is stored and nothing is logged, not even the refusal,
// so that a flood of forgeries cannot fill the log. A gateway the configuration leaves
// out answers 404. No secret, phone number or message text is ever logged.

// gatewaySet holds the configuration SetGateways installed.
type gatewaySet struct {
	cfg atomic.Pointer[gateway.Config]
}

// SetGateways serves the gateways c configures, and makes the app's broadcasts go out
// through c's sender. Call it before Serve; nil serves none.
func (s *Server) SetGateways(c *gateway.Config) {
	s.gateways.cfg.Store(c)
	if c == nil {
		s.app.SetSender("", nil)
		return
	}
	if snd, name := c.Sender(); snd != nil {
		s.app.SetSender(name, snd)
	}
}

func (s *Server) smsRoutes() []route {
	return []route{
		{"POST /sms/{election}/twilio", s.smsWebhook(gateway.Twilio)},
		{"POST /sms/{election}/telerivet", s.smsWebhook(gateway.Telerivet)},
		{"POST /sms/{election}/smssync", s.smsWebhook(gateway.SMSSync)},
		{"GET /sms/{election}/smssync", http.HandlerFunc(s.smssyncPoll)},
		{"POST /sms/{election}/webhook", s.smsWebhook(gateway.HMAC)},
		{"POST /sms/{election}/telegram", s.smsWebhook(gateway.Telegram)},
	}
}

// configured reports whether c serves the gateway name.
func configured(c *gateway.Config, name string) bool {
	if c == nil {
		return false
	}
	switch name {
	case gateway.Twilio:
		return c.Twilio != nil
	case gateway.Telerivet:
		return c.Telerivet != nil
	case gateway.SMSSync:
		return c.SMSSync != nil
	case gateway.HMAC:
		return c.HMAC != nil
	case gateway.Telegram:
		return c.Telegram != nil
	}
	return false
}

// decode authenticates and decodes r for the gateway name.
func decode(c *gateway.Config, name string, r *http.Request, body []byte) (app.InboundMessage, error) {
	req := gateway.Request{Header: r.Header, Body: body}
	switch name {
	case gateway.Twilio:
		req.URL = strings.TrimRight(c.Twilio.PublicURL, "/") + r.URL.RequestURI()
		return gateway.DecodeTwilio(c.Twilio, req)
	case gateway.Telerivet:
		return gateway.DecodeTelerivet(c.Telerivet, req)
	case gateway.SMSSync:
		return gateway.DecodeSMSSync(c.SMSSync, req)
	case gateway.HMAC:
		return gateway.DecodeHMAC(c.HMAC, req)
	default:
		return gateway.DecodeTelegram(c.Telegram, req)
	}
}

// smsWebhook is the webhook of the gateway name.
func (s *Server) smsWebhook(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.gateways.cfg.Load()
		if !configured(c, name) {
			s.gatewayError(w, r, name, iltod.E(iltod.ENotFound, "error.gateway.not_configured", nil))
			return
		}
		body, err := readBody(w, r, gateway.MaxBody)
		if err != nil {
			s.gatewayError(w, r, name, err)
			return
		}
		in, err := decode(c, name, r, body)
		switch {
		case errors.Is(err, gateway.ErrAuth):
			s.gatewayRefuse(w, r, name)
			return
		case errors.Is(err, gateway.ErrIgnored):
			s.gatewayAnswer(w, c, name, app.Reply{})
			return
		case err != nil:
			s.gatewayError(w, r, name, iltod.E(iltod.EInvalid, "error.gateway.malformed", nil))
			return
		}
		reply, err := s.app.ReceiveMessage(r.Context(), r.PathValue("election"), in)
		if err != nil {
			s.gatewayError(w, r, name, err)
			return
		}
		s.gatewayAnswer(w, c, name, reply)
	})
}

// smssyncPoll serves SMSSync's task poll (GET ?task=send&secret=…) from the queue that
// broadcasts through SMSSync fill, at most smssyncBatch messages at a time.
func (s *Server) smssyncPoll(w http.ResponseWriter, r *http.Request) {
	c := s.gateways.cfg.Load()
	if !configured(c, gateway.SMSSync) {
		s.writeError(w, r, iltod.E(iltod.ENotFound, "error.gateway.not_configured", nil))
		return
	}
	q := r.URL.Query()
	if err := gateway.SMSSyncPollAuth(c.SMSSync, q); err != nil {
		s.gatewayRefuse(w, r, gateway.SMSSync)
		return
	}
	var msgs []gateway.SMSSyncMessage
	if q.Get("task") == "send" {
		msgs = c.SMSSyncQueue().Take(smssyncBatch)
	}
	writeGatewayBody(w, http.StatusOK, "application/json; charset=utf-8", gateway.SMSSyncReply(c.SMSSync, msgs))
}

// smssyncBatch bounds the messages one SMSSync poll takes.
const smssyncBatch = 50

// gatewayAnswer writes reply in the provider's format (no message when its text is "").
func (s *Server) gatewayAnswer(w http.ResponseWriter, c *gateway.Config, name string, reply app.Reply) {
	const js = "application/json; charset=utf-8"
	switch name {
	case gateway.Twilio:
		writeGatewayBody(w, http.StatusOK, "text/xml; charset=utf-8", gateway.TwilioReply(reply.Text))
	case gateway.Telerivet:
		writeGatewayBody(w, http.StatusOK, js, gateway.TelerivetReply(reply.Text))
	case gateway.SMSSync:
		var msgs []gateway.SMSSyncMessage
		if reply.Text != "" {
			msgs = []gateway.SMSSyncMessage{{To: reply.To, Message: reply.Text, UUID: gateway.NewUUID()}}
		}
		writeGatewayBody(w, http.StatusOK, js, gateway.SMSSyncReply(c.SMSSync, msgs))
	case gateway.HMAC:
		if reply.Text == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeGatewayBody(w, http.StatusOK, js, gateway.HMACReply(reply))
	default:
		writeGatewayBody(w, http.StatusOK, js, gateway.TelegramReply(reply))
	}
}

// gatewayRefuse answers a request that failed authentication, and does nothing else.
func (s *Server) gatewayRefuse(w http.ResponseWriter, r *http.Request, name string) {
	if name == gateway.Twilio {
		writeGatewayBody(w, http.StatusForbidden, "text/xml; charset=utf-8", gateway.TwilioReply(""))
		return
	}
	lang := apiLang(r)
	w.Header().Set("Cache-Control", cacheNone)
	w.Header().Set("Content-Language", lang)
	s.writeJSONStatus(w, r, http.StatusUnauthorized, errorBody{Error: errorDetail{Code: iltod.EUnauthorized,
		Message: tr(lang, "error.gateway.auth")}})
}

// gatewayError answers an error: in the API's JSON format, localized, for the JSON
// gateways; for Twilio, whose reply is TwiML, the status with an empty Response.
func (s *Server) gatewayError(w http.ResponseWriter, r *http.Request, name string, err error) {
	if name != gateway.Twilio {
		s.writeError(w, r, err)
		return
	}
	_, status, _ := publicError(err, apiLang(r))
	s.logError(r, status, err)
	writeGatewayBody(w, status, "text/xml; charset=utf-8", gateway.TwilioReply(""))
}

func writeGatewayBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", cacheNone)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
