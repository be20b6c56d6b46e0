package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

type topicJSON struct {
	Stats     *topicEntry          `json:"stats"`
	Consumers []redis.ConsumerInfo `json:"consumers"`
}

// getTopic answers for any valid name: a topic nobody used yet has zero
// counts, as it would a moment after its first publish is consumed.
func (a *api) getTopic(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		stats, cons, err := a.insp.StatsAndConsumers(ctx, t)
		if err != nil {
			return nil, err
		}
		if cons == nil {
			cons = []redis.ConsumerInfo{}
		}
		e := a.entry(*stats)
		return topicJSON{Stats: &e, Consumers: cons}, nil
	})
}

type deadJSON struct {
	Topic       string       `json:"topic"`
	Total       int64        `json:"total"`
	Offset      int          `json:"offset"`
	Limit       int          `json:"limit"`
	DeadLetters []deadLetter `json:"dead_letters"`
}

// deadLetter is a dead letter and, for a routed topic, its last delivery
// attempts.
type deadLetter struct {
	redis.DeadLetter
	Attempts []dispatch.Attempt `json:"attempts,omitempty"`
	truncation
}

func (a *api) listDead(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		offset, limit, err := page(r)
		if err != nil {
			return nil, err
		}
		whole, err := full(r)
		if err != nil {
			return nil, err
		}
		stats, err := a.insp.Stats(ctx, t)
		if err != nil {
			return nil, err
		}
		dead, err := a.insp.DeadLetters(ctx, t, offset, limit)
		if err != nil {
			return nil, err
		}
		out := deadJSON{Topic: t, Total: stats.Dead, Offset: offset, Limit: limit, DeadLetters: make([]deadLetter, len(dead))}
		ids := make([]string, len(dead))
		for i, d := range dead {
			out.DeadLetters[i].DeadLetter, ids[i] = d, d.ID
			if !whole {
				out.DeadLetters[i].cut(&out.DeadLetters[i].Entry, nil)
			}
		}
		if a.Attempts == nil {
			return out, nil
		}
		attempts, err := a.Attempts.ListMany(ctx, t, ids)
		for i := range attempts {
			out.DeadLetters[i].Attempts = attempts[i]
		}
		return out, err
	})
}

// page reads the offset and limit of a listing.
func page(r *http.Request) (offset, limit int, err error) {
	q := r.URL.Query()
	if offset, err = queryInt(q.Get("offset"), "offset", 0, 0, 1<<31-1); err != nil {
		return 0, 0, err
	}
	limit, err = queryInt(q.Get("limit"), "limit", DefaultListLimit, 1, MaxListLimit)
	return offset, limit, err
}

// queryInt parses a query parameter between low and high, def when absent.
func queryInt(s, name string, def, low, high int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < low || n > high {
		return 0, badRequest("%s: %q is not an integer between %d and %d", name, truncate(s, 32), low, high)
	}
	return n, nil
}

type requeueRequest struct {
	IDs []string `json:"ids"`
	All bool     `json:"all"`
}

type requeuedJSON struct {
	Requeued int64 `json:"requeued"`
	// NotRequeued counts the dead letters left in place because their
	// entry is not a valid envelope; Reason says why for the first.
	NotRequeued int64  `json:"not_requeued,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

func (req *requeueRequest) validate() error {
	switch {
	case req.All && req.IDs != nil:
		return badRequest("ids, all: give one, not both")
	case !req.All && len(req.IDs) == 0:
		return badRequest("ids: required, 1 to %d dead-letter ids (or {\"all\":true})", MaxIDs)
	}
	return checkIDs(req.IDs)
}

// checkIDs bounds the ids of a request (an empty list is the caller's to
// judge).
func checkIDs(ids []string) error {
	if len(ids) > MaxIDs {
		return badRequest("ids: %d ids, at most %d in one request", len(ids), MaxIDs)
	}
	for i, id := range ids {
		if !redis.ValidID(id) {
			return badRequest("ids[%d]: must be 1 to %d printable ASCII bytes without space, quote, backslash or braces, as message ids are", i, redis.MaxIDLen)
		}
	}
	return nil
}

func (a *api) requeueDead(w http.ResponseWriter, r *http.Request) {
	withBody(a, w, r, func(ctx context.Context, t string, req *requeueRequest) (any, error) {
		var n int64
		var err error
		switch {
		case a.Attempts != nil && req.All:
			n, err = a.Attempts.RequeueAllDead(ctx, a.insp, t)
		case a.Attempts != nil:
			n, err = a.Attempts.RequeueDead(ctx, a.insp, t, req.IDs...)
		case req.All:
			n, err = a.insp.RequeueAllDead(ctx, t)
		default:
			n, err = a.insp.RequeueDead(ctx, t, req.IDs...)
		}
		if n > 0 {
			a.Log.Info("admin: requeued dead letters", "topic", t, "requeued", n, "all", req.All)
		}
		doc := requeuedJSON{Requeued: n}
		if nr := (*redis.NotRequeuedError)(nil); errors.As(err, &nr) {
			doc.NotRequeued, doc.Reason, err = nr.Count, nr.Error(), nil
		}
		return doc, err
	})
}

type purgedJSON struct {
	Purged int64 `json:"purged"`
}

func (a *api) purgeDead(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		n, err := a.insp.PurgeDead(ctx, t)
		if err == nil {
			a.Log.Info("admin: purged dead letters", "topic", t, "purged", n)
		}
		return purgedJSON{Purged: n}, err
	})
}
