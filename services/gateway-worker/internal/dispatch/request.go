package dispatch

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
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

// requestTemplate holds what every request of one route shares, worked
// out once: the parsed URL and the fixed headers.
type requestTemplate struct {
	proto *http.Request // method, URL and Host; copied per request
	// fixed are Content-Type, User-Agent and the topic, set over the
	// route's headers and the forwarded ones. Their value slices (and the
	// route's) are shared by every request, which neither the transport
	// nor this package writes to.
	fixed http.Header
	// forward are the canonical names of the message headers copied onto
	// the request: the route's, then the trace context, forwarded
	// whenever the message carries one.
	forward []string
	signer  *signer // nil when the route has no secret
	// basicAuth is the Authorization header of a URL with user info, set
	// unless the request has one already, as http.Client does.
	basicAuth []string
	op        string // the method as http.Client's errors name it: "Post"
}

func newRequestTemplate(r *Route) (*requestTemplate, error) {
	if r.URL == nil {
		return nil, errors.New("no URL")
	}
	proto, err := http.NewRequest(r.Method, r.URL.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", redactedURLError(err))
	}
	fixed := make(http.Header, 3)
	fixed["Content-Type"] = []string{"application/json"}
	fixed["User-Agent"] = []string{"gateway-worker"}
	fixed[HeaderTopic] = []string{r.Topic}
	forward := make([]string, 0, len(r.ForwardHeaders)+2)
	for _, name := range r.ForwardHeaders {
		forward = append(forward, http.CanonicalHeaderKey(name))
	}
	forward = append(forward, "Traceparent", "Tracestate")
	t := &requestTemplate{proto: proto, fixed: fixed, forward: forward, op: proto.Method[:1] + strings.ToLower(proto.Method[1:])}
	if u := r.URL.User; u != nil {
		password, _ := u.Password()
		t.basicAuth = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+password))}
	}
	if len(r.Secrets) > 0 {
		t.signer = newSigner(r.Secrets)
	}
	return t, nil
}

// request builds the signed request delivering msg over route r at now.
func (t *requestTemplate) request(ctx context.Context, r *Route, msg *redis.Message, now time.Time) (*http.Request, error) {
	body, err := r.body(msg)
	if err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	// A shallow copy: the URL is shared, which RoundTrip never modifies.
	req := t.proto.WithContext(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	h := make(http.Header, len(r.Headers)+len(t.fixed)+4)
	req.Header = h
	for name, values := range r.Headers {
		h[name] = values
	}
	if len(msg.Headers) > 0 {
		for _, name := range t.forward {
			forward(h, msg.Headers, name)
		}
	}
	// With tracing on, the receiver continues the span the handler runs in
	// (a child of the publish); without a span in ctx this writes nothing
	// and the copied headers stand.
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
	for name, values := range t.fixed {
		h[name] = values
	}
	if t.basicAuth != nil && h.Get("Authorization") == "" {
		h["Authorization"] = t.basicAuth
	}
	// The per-message values share one backing array; the names are
	// already in canonical form.
	values := make([]string, 0, 4)
	set := func(name, value string) {
		values = append(values, value)
		h[name] = values[len(values)-1 : len(values) : len(values)]
	}
	set(HeaderAttempt, strconv.Itoa(msg.Attempt))
	set("Webhook-Id", msg.ID)
	if t.signer != nil {
		unix := now.Unix()
		set("Webhook-Timestamp", strconv.FormatInt(unix, 10))
		set("Webhook-Signature", t.signer.sign(msg.ID, unix, body))
	}
	return req, nil
}

// forward copies the message header canon (a canonical name, matched
// without regard to case) onto h. A value no HTTP request could carry is
// left out rather than fail every attempt.
func forward(h http.Header, headers map[string]string, canon string) {
	for k, v := range headers {
		// The length first: canonicalising a name that is not in
		// canonical form allocates.
		if len(k) == len(canon) && http.CanonicalHeaderKey(k) == canon && !strings.ContainsAny(v, "\r\n\x00") {
			h[canon] = []string{v}
			return
		}
	}
}
