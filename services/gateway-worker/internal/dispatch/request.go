package dispatch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"goweb/pkg/redis"
)

// Headers the dispatcher sets besides Content-Type and the Standard
// Webhooks ones.
const (
	HeaderTopic   = "Gateway-Topic"
	HeaderAttempt = "Gateway-Attempt"
	// traceparent is forwarded whenever the message carries one.
	headerTraceparent = "traceparent"
)

// envelopeBody is the request body of a route with body: envelope.
type envelopeBody struct {
	ID      string                 `json:"id"`
	Topic   string                 `json:"topic"`
	TS      int64                  `json:"ts,omitempty"` // publish time, unix ms
	Attempt int                    `json:"attempt"`
	Headers map[string]string      `json:"headers,omitempty"`
	Data    map[string]interface{} `json:"data"`
}

// body encodes what route r sends for msg.
func (r *Route) body(msg *redis.Message) ([]byte, error) {
	if r.Body == BodyEnvelope {
		e := envelopeBody{ID: msg.ID, Topic: msg.Topic, Attempt: msg.Attempt, Headers: msg.Headers, Data: msg.Data}
		if !msg.PublishedAt.IsZero() {
			e.TS = msg.PublishedAt.UnixMilli()
		}
		return json.Marshal(e)
	}
	return json.Marshal(msg.Data)
}

// request builds the signed request delivering msg over route r at now.
func (r *Route) request(ctx context.Context, msg *redis.Message, now time.Time) (*http.Request, error) {
	body, err := r.body(msg)
	if err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", redactedURLError(err))
	}
	h := req.Header
	for name, values := range r.Headers {
		h[name] = values
	}
	for _, name := range r.ForwardHeaders {
		forward(h, msg.Headers, name)
	}
	forward(h, msg.Headers, headerTraceparent)
	forward(h, msg.Headers, "tracestate")
	// With tracing on, the receiver continues the span the handler runs in
	// (a child of the publish); without a span in ctx this writes nothing
	// and the copied headers stand.
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "gateway-worker")
	h.Set(HeaderTopic, msg.Topic)
	h.Set(HeaderAttempt, strconv.Itoa(msg.Attempt))
	h.Set("Webhook-Id", msg.ID)
	if len(r.Secrets) > 0 {
		unix := now.Unix()
		h.Set("Webhook-Timestamp", strconv.FormatInt(unix, 10))
		h.Set("Webhook-Signature", sign(r.Secrets, msg.ID, unix, body))
	}
	return req, nil
}

// forward copies the message header name (matched without regard to case)
// onto h. A value no HTTP request could carry is left out rather than fail
// every attempt.
func forward(h http.Header, headers map[string]string, name string) {
	canon := http.CanonicalHeaderKey(name)
	for k, v := range headers {
		if http.CanonicalHeaderKey(k) == canon && !strings.ContainsAny(v, "\r\n\x00") {
			h.Set(canon, v)
			return
		}
	}
}
