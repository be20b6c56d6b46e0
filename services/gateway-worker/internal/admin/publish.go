package admin

import (
	"errors"
	"net/http"
	"time"

	"goweb/pkg/redis"
)

// schedule is when a message is due and what it carries besides data; a
// publish and a batch share it.
type schedule struct {
	Delay     string  `json:"delay"`      // "5s"; or
	DelayMS   *int64  `json:"delay_ms"`   // 5000; or
	ProcessAt string  `json:"process_at"` // RFC 3339
	Headers   headers `json:"headers"`
}

type publishRequest struct {
	Data     map[string]any `json:"data"`
	ID       *string        `json:"id"` // nil when absent, so that "" is refused
	DedupKey string         `json:"dedup_key"`
	DedupTTL string         `json:"dedup_ttl"`
	schedule
}

// options validates the schedule and returns it as publish options.
func (s *schedule) options(now time.Time) ([]redis.PublishOption, error) {
	var opts []redis.PublishOption
	set := 0
	if s.Delay != "" {
		set++
		d, err := parseDuration("delay", s.Delay, false)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redis.WithDelay(d))
	}
	if s.DelayMS != nil {
		set++
		ms := *s.DelayMS
		if ms < 0 || ms > MaxDelay.Milliseconds() {
			return nil, badRequest("delay_ms: must be between 0 and %d", MaxDelay.Milliseconds())
		}
		opts = append(opts, redis.WithDelay(time.Duration(ms)*time.Millisecond))
	}
	if s.ProcessAt != "" {
		set++
		at, err := time.Parse(time.RFC3339, s.ProcessAt)
		if err != nil {
			return nil, badRequest("process_at: %q is not an RFC 3339 time such as \"2026-01-02T15:04:05Z\"", truncate(s.ProcessAt, 64))
		}
		if at.Sub(now) > MaxDelay {
			return nil, badRequest("process_at: more than %v from now", MaxDelay)
		}
		opts = append(opts, redis.WithProcessAt(at))
	}
	if set > 1 {
		return nil, badRequest("delay, delay_ms, process_at: give at most one")
	}
	if len(s.Headers) > 0 {
		opts = append(opts, redis.WithHeaders(s.Headers))
	}
	return opts, nil
}

func (p *publishRequest) options(now time.Time) ([]redis.PublishOption, error) {
	if p.Data == nil {
		return nil, badRequest("data: required, a JSON object")
	}
	opts, err := p.schedule.options(now)
	if err != nil {
		return nil, err
	}
	if p.ID != nil {
		if !redis.ValidID(*p.ID) {
			return nil, badRequest("id: must be 1 to %d printable ASCII bytes without space, quote, backslash or braces; leave it out for a generated one", redis.MaxIDLen)
		}
		opts = append(opts, redis.WithID(*p.ID))
	}
	switch {
	case p.DedupKey == "" && p.DedupTTL != "":
		return nil, badRequest("dedup_key: empty or missing; dedup_ttl needs a dedup_key")
	case p.DedupKey != "" && p.DedupTTL == "":
		return nil, badRequest("dedup_ttl: required with dedup_key, a duration such as \"1h\"")
	case p.DedupKey != "":
		if len(p.DedupKey) > maxKeyLen {
			return nil, badRequest("dedup_key: longer than %d bytes", maxKeyLen)
		}
		ttl, err := parseDuration("dedup_ttl", p.DedupTTL, true)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redis.WithDedupKey(p.DedupKey, ttl))
	}
	return opts, nil
}

type idJSON struct {
	ID string `json:"id"`
}

type idsJSON struct {
	IDs []string `json:"ids"`
}

func (a *api) publish(w http.ResponseWriter, r *http.Request) {
	t, ok := topic(w, r)
	if !ok {
		return
	}
	var req publishRequest
	if err := a.decodeBody(w, r, &req); err != nil {
		a.requestError(w, err)
		return
	}
	opts, err := req.options(time.Now())
	if err != nil {
		a.requestError(w, err)
		return
	}
	ctx, cancel := a.ctx(r)
	defer cancel()
	id, err := a.queue.Enqueue(ctx, t, req.Data, opts...)
	if err != nil {
		a.publishError(w, r, err, notReplicatedJSON{ID: id})
		return
	}
	writeJSON(w, http.StatusCreated, idJSON{ID: id})
}

// requestError answers a bad request: a *requestError with its status,
// anything else 400.
func (a *api) requestError(w http.ResponseWriter, err error) {
	var re *requestError
	if errors.As(err, &re) {
		writeError(w, re.code, re.msg)
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}
