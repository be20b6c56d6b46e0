package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Outcome is how one delivery ended, the label of the deliveries metric.
type Outcome string

// The outcomes, in the order the metrics list them.
const (
	Outcome2xx         Outcome = "2xx"
	Outcome3xx         Outcome = "3xx" // not followed: dead-lettered
	Outcome4xx         Outcome = "4xx" // 408 and 429 are retried, the rest dead-lettered
	Outcome5xx         Outcome = "5xx"
	OutcomeTimeout     Outcome = "timeout"
	OutcomeNetwork     Outcome = "network_error"
	OutcomeBreakerOpen Outcome = "breaker_open" // held back, not an attempt
)

// Outcomes lists every Outcome.
var Outcomes = []Outcome{Outcome2xx, Outcome3xx, Outcome4xx, Outcome5xx, OutcomeTimeout, OutcomeNetwork, OutcomeBreakerOpen}

// verdict is what an answer means for the message.
type verdict int

const (
	done  verdict = iota // acknowledge
	retry                // retry with backoff, or after Retry-After
	bury                 // dead-letter at once
)

// result is one attempt's answer, as classify reads it.
type result struct {
	outcome    Outcome
	verdict    verdict
	status     int
	retryAfter time.Duration // >0: the endpoint asked for this delay
	err        error         // nil on 2xx; never contains the URL
}

// classify turns a response (or the error instead of one) into a result.
// ctxErr is the request context's error: a deadline there is a timeout.
func classify(resp *http.Response, err error, snippet string, now time.Time) result {
	if err != nil {
		err = redactedURLError(err)
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return result{outcome: OutcomeTimeout, verdict: retry, err: fmt.Errorf("request timed out: %w", err)}
		}
		return result{outcome: OutcomeNetwork, verdict: retry, err: fmt.Errorf("request failed: %w", err)}
	}
	code := resp.StatusCode
	r := result{status: code}
	if code >= 200 && code < 300 {
		r.outcome, r.verdict = Outcome2xx, done
		return r
	}
	r.err = &StatusError{Code: code, Body: snippet}
	switch {
	case code >= 300 && code < 400:
		r.outcome, r.verdict = Outcome3xx, bury
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		r.outcome, r.verdict = Outcome4xx, retry
	case code >= 400 && code < 500:
		r.outcome, r.verdict = Outcome4xx, bury
	default: // 5xx and anything outside the known classes
		r.outcome, r.verdict = Outcome5xx, retry
	}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			r.retryAfter = max(d, time.Millisecond)
		}
	}
	return r
}

// StatusError is a non-2xx answer. Its text is what a dead letter's reason
// shows: the status and the start of the body.
type StatusError struct {
	Code int
	Body string // the first MaxBodySnippet bytes
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
	if b := strings.TrimSpace(e.Body); b != "" {
		s += ": " + b
	}
	return s
}

// redactedURLError drops the URL net/http puts in its errors: a URL may
// carry a token in its query or user info.
func redactedURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
