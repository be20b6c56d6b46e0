package dispatch

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"goweb/pkg/redis"
)

// DefaultTimeout bounds a route's request when neither the route nor the
// topic's handler timeout sets one.
const DefaultTimeout = 30 * time.Second

// MaxTimeout bounds a route's timeout.
const MaxTimeout = time.Hour

// Body is what a request carries.
type Body string

const (
	// BodyData sends the message's data object. The default.
	BodyData Body = "data"
	// BodyEnvelope sends {"id","topic","ts","attempt","headers","data"}.
	BodyEnvelope Body = "envelope"
)

// RawRoute is a route as an operator wrote it, before validation.
type RawRoute struct {
	Topic          string            `json:"topic"`
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	Headers        map[string]string `json:"headers"`
	Timeout        string            `json:"timeout"`
	SigningSecrets []string          `json:"signing_secrets"`
	Body           string            `json:"body"`
	ForwardHeaders []string          `json:"forward_headers"`
}

// Route delivers one topic to one URL.
type Route struct {
	Topic string
	URL   *url.URL
	// Method defaults to POST.
	Method string
	// Headers are added to every request; values had their ${VAR}
	// references expanded. They may hold tokens: never log them.
	Headers http.Header
	// Timeout bounds one request when the handler has no timeout; the
	// service makes it the topic's default handler timeout. 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Secrets sign each request, one signature per secret. Defaults to
	// the dispatcher's default secrets.
	Secrets []Secret
	// Body defaults to BodyData.
	Body Body
	// ForwardHeaders are the message headers copied onto the request
	// (canonical form); traceparent always is.
	ForwardHeaders []string
}

// reservedHeaders are set by the dispatcher; a route may not set them.
var reservedHeaders = []string{"Content-Type", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", HeaderTopic, HeaderAttempt}

var methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch}

// envRef is a ${VAR} reference in a header value.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ParseRoutes validates raw routes read from source ("dispatch.routes" or
// "DISPATCH_ROUTES"). getenv resolves ${VAR} in header values (os.Getenv
// when nil). Every problem is reported, each naming its route and field.
func ParseRoutes(source string, raw []RawRoute, getenv func(string) (string, bool)) ([]Route, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	var errs []error
	out := make([]Route, 0, len(raw))
	for i, r := range raw {
		fail := func(field, format string, args ...any) {
			errs = append(errs, &RouteError{Source: source, Index: i, Topic: r.Topic, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
		route, ok := parseRoute(r, getenv, fail)
		if !ok {
			continue
		}
		if slices.ContainsFunc(out, func(o Route) bool { return o.Topic == route.Topic }) {
			fail("topic", "the topic has another route")
			continue
		}
		out = append(out, route)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func parseRoute(r RawRoute, getenv func(string) (string, bool), fail func(field, format string, args ...any)) (Route, bool) {
	problems := 0
	count := func(field, format string, args ...any) { problems++; fail(field, format, args...) }
	route := Route{Topic: r.Topic, Method: http.MethodPost, Body: BodyData, Headers: http.Header{}}
	if err := redis.ValidateTopic(r.Topic); err != nil {
		count("topic", "%v", err)
	}
	route.URL = parseURL(r.URL, count)
	if r.Method != "" {
		route.Method = strings.ToUpper(r.Method)
		if !slices.Contains(methods, route.Method) {
			count("method", "%q is not one of %s", r.Method, strings.Join(methods, ", "))
		}
	}
	for name, value := range r.Headers {
		field := "headers." + name
		canon := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !validHeaderName(name):
			count(field, "not a valid header name")
		case slices.Contains(reservedHeaders, canon):
			count(field, "set by the dispatcher; a route may not set it")
		default:
			v, problem := expandEnv(value, getenv)
			if problem != "" {
				count(field, "%s", problem)
			} else if strings.ContainsAny(v, "\r\n\x00") {
				count(field, "the value contains a line break or NUL")
			}
			route.Headers.Set(canon, v)
		}
	}
	if r.Timeout != "" {
		d, err := time.ParseDuration(r.Timeout)
		if err != nil || d < time.Millisecond || d > MaxTimeout {
			count("timeout", "%q must be a duration from 1ms to %v", r.Timeout, MaxTimeout)
		}
		route.Timeout = d
	}
	for i, s := range r.SigningSecrets {
		sec, err := ParseSecret(s)
		if err != nil {
			count(fmt.Sprintf("signing_secrets[%d]", i), "%v", err)
		}
		route.Secrets = append(route.Secrets, sec)
	}
	switch Body(r.Body) {
	case "":
	case BodyData, BodyEnvelope:
		route.Body = Body(r.Body)
	default:
		count("body", "%q is not %q or %q", r.Body, BodyData, BodyEnvelope)
	}
	for i, name := range r.ForwardHeaders {
		if !validHeaderName(name) {
			count(fmt.Sprintf("forward_headers[%d]", i), "%q is not a valid header name", name)
		}
		route.ForwardHeaders = append(route.ForwardHeaders, textproto.CanonicalMIMEHeaderKey(name))
	}
	return route, problems == 0
}

func parseURL(raw string, fail func(field, format string, args ...any)) *url.URL {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case raw == "":
		fail("url", "missing")
	case err != nil:
		fail("url", "not a URL") // url's error quotes the URL, which may hold a token
	case u.Scheme != "http" && u.Scheme != "https":
		fail("url", "must begin with http:// or https://")
	case u.Host == "":
		fail("url", "has no host")
	case u.Fragment != "":
		fail("url", "must not have a #fragment")
	default:
		return u
	}
	return nil
}

// expandEnv replaces ${VAR} references; problem names a missing variable.
func expandEnv(v string, getenv func(string) (string, bool)) (string, string) {
	var problem string
	out := envRef.ReplaceAllStringFunc(v, func(ref string) string {
		name := ref[2 : len(ref)-1]
		val, ok := getenv(name)
		if !ok && problem == "" {
			problem = fmt.Sprintf("environment variable %s is not set", name)
		}
		return val
	})
	return out, problem
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// String describes the route as LogValue does, so %v never prints a header
// value or a secret.
func (r Route) String() string { return r.LogValue().String() }

// GoString masks %#v too.
func (r Route) GoString() string { return r.String() }

// MarshalJSON writes String, so a route logged as JSON (slog.Any on a
// slice of routes, say) shows no header value or secret either.
func (r Route) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// LogValue shows a route without its header values, URL query or secrets.
func (r Route) LogValue() slog.Value {
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	return slog.GroupValue(
		slog.String("topic", r.Topic),
		slog.String("url", redactURL(r.URL)),
		slog.String("method", r.Method),
		slog.Any("headers", names),
		slog.Int("signing_secrets", len(r.Secrets)),
		slog.String("body", string(r.Body)),
		slog.String("timeout", cmp.Or(r.Timeout, DefaultTimeout).String()), // the effective one: 0 is DefaultTimeout
	)
}

// redactURL drops the user info and the query, either of which may carry
// a token.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "xxxxx"
	}
	return c.String()
}
