package httpapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"goweb/pkg/logger"
)

// Readiness decides whether the worker is ready: Redis answers a PING and
// every consumer runs. PINGs are cached briefly so that probes and scrapes
// never add load to Redis, and bounded by a short timeout so that a hung
// Redis makes /ready answer 503 instead of hanging.
type Readiness struct {
	ping      func(context.Context) error
	consumers func() (active, total int)
	log       logger.Logger

	// CacheFor is how long a PING result is reused. Defaults to 1s.
	CacheFor time.Duration
	// Timeout bounds one PING. Defaults to 500ms.
	Timeout time.Duration

	mu       sync.Mutex
	checked  time.Time
	pingErr  error
	stopping bool
	lastErr  error // for logging transitions only
	reported bool
}

// NewReadiness returns a Readiness using ping and consumers. It logs each
// change between ready and not ready, with the reason.
func NewReadiness(ping func(context.Context) error, consumers func() (active, total int), log logger.Logger) *Readiness {
	return &Readiness{ping: ping, consumers: consumers, log: log, CacheFor: time.Second, Timeout: 500 * time.Millisecond}
}

// Stopping marks the worker as shutting down: it is no longer ready.
func (r *Readiness) Stopping() {
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
}

// Check returns the consumers' state ("running", "stopping", "starting" or
// "n/m running") and nil when ready, or the reason it is not.
func (r *Readiness) Check(ctx context.Context) (consumers string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	active, total := r.consumers()
	switch {
	case r.stopping:
		consumers, err = "stopping", errors.New("shutting down")
	case total == 0:
		consumers, err = "none", errors.New("no topics to consume")
	case active < total:
		consumers = fmt.Sprintf("%d/%d running", active, total)
		err = errors.New("not every consumer is running")
	default:
		consumers, err = "running", r.cachedPing(ctx)
	}
	r.report(err)
	return consumers, err
}

// cachedPing runs with r.mu held, so concurrent probes share one PING.
func (r *Readiness) cachedPing(ctx context.Context) error {
	if time.Since(r.checked) < r.CacheFor {
		return r.pingErr
	}
	pctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	r.pingErr = nil
	if err := r.ping(pctx); err != nil {
		r.pingErr = &pingError{err}
	}
	r.checked = time.Now()
	return r.pingErr
}

// pingError is a failed PING. Its cause names the Redis address, which
// the log keeps and /ready does not show: see publicReason.
type pingError struct{ err error }

func (e *pingError) Error() string { return "redis: " + e.err.Error() }
func (e *pingError) Unwrap() error { return e.err }

// publicReason is what /ready tells an unauthenticated client of err:
// never an address or a Redis message.
func publicReason(err error) string {
	var pe *pingError
	if errors.As(err, &pe) {
		return "redis did not answer a PING; the log has the cause"
	}
	return err.Error()
}

func (r *Readiness) report(err error) {
	changed := !r.reported || (err == nil) != (r.lastErr == nil)
	r.lastErr, r.reported = err, true
	switch {
	case !changed:
	case err == nil:
		r.log.Info("ready")
	default:
		r.log.Warn("not ready", "reason", err.Error())
	}
}
