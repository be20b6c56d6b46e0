package admin

import (
	"context"
	"net/http"

	"goweb/pkg/redis"
)

// The states of waiting messages a request may name.
const (
	statePending  = "pending"
	stateDelayed  = "delayed"
	stateInFlight = "in_flight"
)

type messagesJSON struct {
	Topic    string `json:"topic"`
	State    string `json:"state"`
	Total    int64  `json:"total"`
	Offset   int    `json:"offset"`
	Limit    int    `json:"limit"`
	Messages any    `json:"messages"` // []queuedItem, or []inFlightItem
}

// listMessages lists pending messages in delivery order, delayed ones
// soonest first (?state=delayed), or in-flight ones consumer by consumer
// (?state=in_flight).
func (a *api) listMessages(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		state := r.URL.Query().Get("state")
		if state == "" {
			state = statePending
		}
		if state != statePending && state != stateDelayed && state != stateInFlight {
			return nil, badRequest("state: %q is not pending, delayed or in_flight", truncate(state, 32))
		}
		offset, limit, err := page(r)
		if err != nil {
			return nil, err
		}
		whole, err := full(r)
		if err != nil {
			return nil, err
		}
		if state == stateInFlight && offset > MaxInFlightOffset {
			return nil, badRequest("offset: at most %d for in_flight, which is read from its start", MaxInFlightOffset)
		}
		stats, err := a.insp.Stats(ctx, t)
		if err != nil {
			return nil, err
		}
		doc := messagesJSON{Topic: t, State: state, Offset: offset, Limit: limit}
		var waiting []redis.QueuedMessage
		switch state {
		case statePending:
			doc.Total = stats.Pending
			waiting, err = a.insp.Pending(ctx, t, offset, limit)
		case stateDelayed:
			doc.Total = stats.Delayed
			waiting, err = a.insp.Delayed(ctx, t, offset, limit)
		case stateInFlight:
			doc.Total = stats.InFlight
			var held []redis.InFlightMessage
			held, err = a.insp.InFlight(ctx, t, offset, limit)
			doc.Messages = previews(held, whole, inFlight)
			return doc, err
		}
		doc.Messages = previews(waiting, whole, queued)
		return doc, err
	})
}

// idsRequest names waiting messages by id.
type idsRequest struct {
	State string   `json:"state"` // pending or delayed; messages:delete only
	IDs   []string `json:"ids"`
}

func (req *idsRequest) validate() error {
	if len(req.IDs) == 0 {
		return badRequest("ids: required, 1 to %d message ids", MaxIDs)
	}
	return checkIDs(req.IDs)
}

type deletedJSON struct {
	Deleted int64 `json:"deleted"`
}

// deleteMessages removes pending or delayed messages by id.
func (a *api) deleteMessages(w http.ResponseWriter, r *http.Request) {
	withBody(a, w, r, func(ctx context.Context, t string, req *idsRequest) (any, error) {
		remove := a.insp.DeletePending
		switch req.State {
		case statePending:
		case stateDelayed:
			remove = a.insp.CancelDelayed
		default:
			return nil, badRequest("state: %q is not pending or delayed", truncate(req.State, 32))
		}
		n, err := remove(ctx, t, req.IDs...)
		if n > 0 {
			a.Log.Info("admin: deleted messages", "topic", t, "state", req.State, "deleted", n)
		}
		return deletedJSON{Deleted: n}, err
	})
}

type movedJSON struct {
	Moved int64 `json:"moved"`
}

// runDelayed makes delayed messages due now.
func (a *api) runDelayed(w http.ResponseWriter, r *http.Request) {
	withBody(a, w, r, func(ctx context.Context, t string, req *idsRequest) (any, error) {
		if req.State != "" && req.State != stateDelayed {
			return nil, badRequest("state: only delayed messages can be run now")
		}
		n, err := a.insp.RunDelayedNow(ctx, t, req.IDs...)
		if n > 0 {
			a.Log.Info("admin: ran delayed messages now", "topic", t, "moved", n)
		}
		return movedJSON{Moved: n}, err
	})
}

// withBody answers (see answer) with act's result for the request body,
// once it is decoded and valid.
func withBody[R any, P interface {
	*R
	validate() error
}](a *api, w http.ResponseWriter, r *http.Request, act func(context.Context, string, P) (any, error)) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		req := P(new(R))
		if err := a.decodeBody(w, r, req); err != nil {
			return nil, err
		}
		if err := req.validate(); err != nil {
			return nil, err
		}
		return act(ctx, t, req)
	})
}
