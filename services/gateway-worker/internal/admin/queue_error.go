package admin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis"
)

// queueError answers an error of the queue library, the one place that
// says what happened: the caller's mistakes are 4xx; a key of the wrong
// type 500 naming the topic; Redis too slow 504 with the limit; Redis
// unreachable, full (with Retry-After) or refusing 503. A publish stored
// but not replicated is publishError's. Clients never see addresses or
// credentials; the log has the cause.
func (a *api) queueError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := a.describe(r, err)
	if errors.Is(err, redis.ErrRedisFull) {
		w.Header().Set("Retry-After", fullRetryAfter)
	}
	if code >= 500 {
		a.redisErrs.Warn("admin: queue error", "method", r.Method, "path", r.URL.Path, "status", code, "error", err)
	}
	writeError(w, code, msg)
}

// fullRetryAfter is the Retry-After of the 503 of a full Redis, in
// seconds: consumers free memory as they acknowledge, so a few seconds is
// the scale on which a retry can succeed.
const fullRetryAfter = "5"

// describe returns the status and the client's message for err.
func (a *api) describe(r *http.Request, err error) (int, string) {
	var rerr goredis.Error
	switch {
	case errors.Is(err, redis.ErrDuplicate):
		return http.StatusConflict, "dedup_key: a message with this key was published within its dedup_ttl; nothing was published"
	case errors.Is(err, redis.ErrPayloadTooLarge):
		return http.StatusRequestEntityTooLarge, "data: " + err.Error()
	case errors.Is(err, redis.ErrInvalidTopic):
		return http.StatusBadRequest, "topic: " + err.Error()
	case errors.Is(err, redis.ErrInvalidOption):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, redis.ErrRedisFull):
		return http.StatusServiceUnavailable, "queue full: Redis reached its memory limit (maxmemory) and refuses new messages until consumers have freed memory; nothing was published; try again later"
	case errors.As(err, &rerr) && strings.Contains(rerr.Error(), "WRONGTYPE"):
		which := "a topic"
		if t := r.PathValue("topic"); t != "" {
			which = fmt.Sprintf("topic %q", t)
		}
		return http.StatusInternalServerError, fmt.Sprintf("WRONGTYPE: a Redis key of %s holds the wrong type of value, so something other than the queue wrote it; see docs/wire-format.md for the keys of a topic", which)
	case timedOut(err) && r.Method == http.MethodGet:
		return http.StatusGatewayTimeout, fmt.Sprintf("queue timed out after %v: Redis did not answer in time; a read changes nothing, so try again", waited(r, a.Timeout))
	case timedOut(err):
		return http.StatusGatewayTimeout, fmt.Sprintf("queue timed out after %v: Redis did not answer in time; a change may or may not have been made, so look before retrying", waited(r, a.Timeout))
	case errors.As(err, &rerr):
		// A Redis error's first word is its code (READONLY, OOM, NOPERM...):
		// it says what happened without naming keys or values.
		code, _, _ := strings.Cut(rerr.Error(), " ")
		return http.StatusServiceUnavailable, "queue unavailable: Redis refused the command (" + truncate(code, 32) + "); try again later"
	}
	return http.StatusServiceUnavailable, "queue unavailable: cannot reach Redis; try again later"
}

// timedOut reports whether err is a deadline passing: the request's, or a
// socket's.
func timedOut(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &netErr) && netErr.Timeout()
}

// waited returns how long the request has run, to the tenth of a second;
// def if it does not know.
func waited(r *http.Request, def time.Duration) time.Duration {
	start, ok := r.Context().Value(startKey{}).(time.Time)
	if !ok {
		return def
	}
	return time.Since(start).Round(100 * time.Millisecond)
}
