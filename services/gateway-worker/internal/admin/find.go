package admin

import (
	"context"
	"fmt"
	"net/http"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// MaxLookupScan bounds how many messages of each state a lookup by id
// reads: pending, delayed and in-flight messages and dead letters are kept
// in delivery order, not by id, so a lookup reads them page by page.
const MaxLookupScan = 10000

// lookupPage is the page a lookup reads at a time.
const lookupPage = 1000

type foundJSON struct {
	Topic string `json:"topic"`
	// State is pending, delayed, in_flight or dead.
	State   string `json:"state"`
	Message any    `json:"message"` // a message of GET .../messages, or a dead letter
	// Attempts are the last delivery attempts of a routed topic's message.
	Attempts []dispatch.Attempt `json:"attempts,omitempty"`
}

// finder reads a page of one state from offset and returns the message
// with id if it is there, and the page's length.
type finder struct {
	state string
	find  func(ctx context.Context, t, id string, offset int) (msg any, n int, err error)
}

func pageFinder[T any](read func(ctx context.Context, topic string, offset, limit int) ([]T, error), idOf func(*T) string) func(ctx context.Context, t, id string, offset int) (any, int, error) {
	return func(ctx context.Context, t, id string, offset int) (any, int, error) {
		items, err := read(ctx, t, offset, lookupPage)
		for i := range items {
			if idOf(&items[i]) == id {
				return items[i], len(items), err
			}
		}
		return nil, len(items), err
	}
}

func (a *api) finders() []finder {
	queued := func(m *redis.QueuedMessage) string { return m.ID }
	return []finder{
		{statePending, pageFinder(a.insp.Pending, queued)},
		{stateDelayed, pageFinder(a.insp.Delayed, queued)},
		{stateInFlight, pageFinder(a.insp.InFlight, func(m *redis.InFlightMessage) string { return m.ID })},
		{"dead", pageFinder(a.insp.DeadLetters, func(d *redis.DeadLetter) string { return d.ID })},
	}
}

// findMessage looks a message up by the id in its path, GET
// /v1/topics/{topic}/messages/{id}.
func (a *api) findMessage(w http.ResponseWriter, r *http.Request) {
	a.find(w, r, r.PathValue("id"))
}

// lookupMessage looks a message up by the id in its query, GET
// /v1/topics/{topic}/messages:lookup?id=: any id, "." and ".." and ids
// with "/", "?" or "#" included, which a path cannot carry as it is
// (browsers and proxies resolve "." and ".." segments, "%2E%2E" too).
func (a *api) lookupMessage(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["id"]
	if len(ids) != 1 {
		a.answer(w, r, func(context.Context, string) (any, error) {
			return nil, badRequest("id: give one id, as ?id= (URL-encoded); got %d", len(ids))
		})
		return
	}
	a.find(w, r, ids[0])
}

// find answers the message with id among the topic's pending, delayed,
// in-flight messages and dead letters, the first MaxLookupScan of each.
func (a *api) find(w http.ResponseWriter, r *http.Request, id string) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		if err := checkIDs([]string{id}); err != nil {
			return nil, badRequest("id: must be 1 to %d printable ASCII bytes without space, quote, backslash or braces, as message ids are", redis.MaxIDLen)
		}
		for _, f := range a.finders() {
			for offset := 0; offset < MaxLookupScan; offset += lookupPage {
				msg, n, err := f.find(ctx, t, id, offset)
				if err != nil {
					return nil, err
				}
				if msg != nil {
					return a.found(ctx, t, f.state, id, msg)
				}
				if n < lookupPage {
					break
				}
			}
		}
		return nil, &requestError{code: http.StatusNotFound, msg: fmt.Sprintf(
			"id: no message %s among the first %d pending, delayed and in-flight messages and dead letters of %s", id, MaxLookupScan, t)}
	})
}

func (a *api) found(ctx context.Context, t, state, id string, msg any) (any, error) {
	out := foundJSON{Topic: t, State: state, Message: msg}
	if a.Attempts == nil {
		return out, nil
	}
	var err error
	out.Attempts, err = a.Attempts.List(ctx, t, id)
	return out, err
}
