package dispatch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// Dispatcher delivers routed topics over one shared HTTP transport.
type Dispatcher struct {
	cfg      Config
	http     *http.Transport
	attempts *Attempts
	log      logger.Logger
	routes   map[string]*routeState
}

type routeState struct {
	route   Route
	tmpl    *requestTemplate
	breaker *breaker
}

// New returns a Dispatcher for cfg's routes. client is the Redis the
// attempts are kept in: the queue's own (Manager.Client).
func New(cfg Config, client goredis.UniversalClient, log logger.Logger) (*Dispatcher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d := &Dispatcher{
		cfg:      cfg,
		http:     newTransport(),
		attempts: NewAttempts(client, cfg.AttemptsKept, cfg.AttemptsTTL),
		log:      log,
		routes:   make(map[string]*routeState, len(cfg.Routes)),
	}
	for _, r := range cfg.Routes {
		if len(r.Secrets) == 0 {
			r.Secrets = cfg.DefaultSecrets
		}
		tmpl, err := newRequestTemplate(&r)
		if err != nil {
			return nil, fmt.Errorf("dispatch: route of %s: %w", r.Topic, err)
		}
		topic := r.Topic
		d.routes[topic] = &routeState{route: r, tmpl: tmpl, breaker: newBreaker(cfg.Breaker, cfg.Now, func(s BreakerState) {
			cfg.Hooks.BreakerChanged(topic, s)
			log.Warn("dispatch breaker changed", "topic", topic, "state", s.String())
		})}
	}
	return d, nil
}

// MaxIdleConnsPerHost is how many idle keep-alive connections the
// dispatcher keeps to one host: as many as the most requests it may have
// in flight to it (the service's concurrency bound), so that every request
// of a busy route reuses a connection. Unused ones close after 90s.
const MaxIdleConnsPerHost = 10_000

// newTransport keeps connections alive across deliveries. Requests go to
// its RoundTrip, not through an http.Client: redirects are never followed
// (a 3xx is the endpoint's answer), so the client would only copy every
// request's headers for redirects that never come. What else it does is
// done here: Basic authentication from the URL's user info (see
// requestTemplate), and the method in errors (see roundTrip).
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no overall cap
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return t
}

// Close drops idle connections.
func (d *Dispatcher) Close() { d.http.CloseIdleConnections() }

// Attempts returns the attempts record the dispatcher writes.
func (d *Dispatcher) Attempts() *Attempts { return d.attempts }

// Stats returns every route's figures for the JSON /metrics, when the
// dispatcher's hooks are a *Metrics; otherwise only the breaker states.
func (d *Dispatcher) Stats() map[string]RouteStats {
	if m, ok := d.cfg.Hooks.(*Metrics); ok {
		return m.Snapshot()
	}
	out := make(map[string]RouteStats, len(d.routes))
	for topic, rs := range d.routes {
		out[topic] = RouteStats{Breaker: rs.breaker.current().String()}
	}
	return out
}

// BreakerState returns topic's breaker state.
func (d *Dispatcher) BreakerState(topic string) BreakerState {
	if rs, ok := d.routes[topic]; ok {
		return rs.breaker.current()
	}
	return BreakerClosed
}

// Handler returns the handler delivering topic over its route, or nil when
// topic has none. Its errors tell the queue what to do: nil acknowledges,
// redis.SkipRetry dead-letters, redis.RetryAfter sets the next delay, and a
// redis.RetryAfterError with NotAnAttempt holds the message back while the
// breaker is open.
func (d *Dispatcher) Handler(topic string) redis.MessageHandler {
	rs, ok := d.routes[topic]
	if !ok {
		return nil
	}
	return func(ctx context.Context, msg *redis.Message) error { return d.deliver(ctx, rs, msg) }
}

func (d *Dispatcher) deliver(ctx context.Context, rs *routeState, msg *redis.Message) error {
	topic := rs.route.Topic
	if ok, hold := rs.breaker.allow(); !ok {
		d.cfg.Hooks.Delivered(topic, OutcomeBreakerOpen, 0)
		return &redis.RetryAfterError{Delay: hold, Err: ErrBreakerOpen, NotAnAttempt: true}
	}
	if _, has := ctx.Deadline(); !has {
		// The service passes the timeout as the handler timeout; without
		// one a request still never waits forever.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cmp.Or(rs.route.Timeout, DefaultTimeout))
		defer cancel()
	}
	start := d.cfg.Now()
	res := d.send(ctx, rs, msg, start)
	took := d.cfg.Now().Sub(start)

	if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) && res.verdict != done {
		// Cancelled by shutdown: neither the endpoint's fault nor an
		// attempt; the queue hands the message back.
		rs.breaker.report(false, false)
		return res.err
	}
	rs.breaker.report(res.verdict == done || res.verdict == bury, res.verdict == retry)
	d.cfg.Hooks.Delivered(topic, res.outcome, took)
	if res.verdict == done {
		if msg.Attempt > 1 {
			d.logRedis(d.attempts.Forget(context.WithoutCancel(ctx), topic, msg.ID), topic)
		}
		return nil
	}
	d.record(ctx, msg, res, start, took)
	if res.verdict == bury {
		return redis.SkipRetry(res.err)
	}
	if res.retryAfter > 0 {
		return redis.RetryAfter(min(res.retryAfter, d.cfg.MaxRetryAfter), res.err)
	}
	return res.err
}

// send makes one request and reads the start of its answer.
func (d *Dispatcher) send(ctx context.Context, rs *routeState, msg *redis.Message, now time.Time) result {
	req, err := rs.tmpl.request(ctx, &rs.route, msg, now)
	if err != nil {
		// A body that cannot be encoded will never be: dead-letter it.
		return result{outcome: OutcomeNetwork, verdict: bury, err: err}
	}
	resp, err := d.http.RoundTrip(req)
	if err != nil {
		// As http.Client says it, without the URL, which may hold a token.
		return classify(nil, fmt.Errorf("%s: %w", rs.tmpl.op, err), "", now)
	}
	defer resp.Body.Close()
	var snippet []byte
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Only a failed attempt keeps the start of the body.
		snippet, err = io.ReadAll(io.LimitReader(resp.Body, MaxBodySnippet))
	}
	if err == nil && resp.Body != http.NoBody {
		// Drain a bounded rest so the connection can be reused.
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	if err != nil {
		// The answer broke off mid-body, whatever its status: at least
		// once means deliver again rather than guess.
		return classify(nil, err, "", now)
	}
	return classify(resp, nil, string(snippet), now)
}

// record keeps a failed attempt for the dead letter.
func (d *Dispatcher) record(ctx context.Context, msg *redis.Message, res result, at time.Time, took time.Duration) {
	a := Attempt{
		Attempt: msg.Attempt, At: at, Status: res.status, DurationMs: float64(took.Microseconds()) / 1000,
		Error: res.err.Error(),
	}
	var se *StatusError
	if errors.As(res.err, &se) {
		a.Body = se.Body
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	d.logRedis(d.attempts.add(rctx, msg.Topic, msg.ID, a), msg.Topic)
}

func (d *Dispatcher) logRedis(err error, topic string) {
	if err != nil {
		d.log.Warn("dispatch attempts record not written", "topic", topic, "error", err)
	}
}
