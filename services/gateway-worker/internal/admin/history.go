package admin

import (
	"context"
	"net/http"

	"goweb/pkg/redis"
)

// DefaultHistoryMinutes is the window of a history without ?minutes=.
const DefaultHistoryMinutes = 60

// minutes reads ?minutes=, 1 to redis.MaxHistoryMinutes (a day).
func minutes(r *http.Request) (int, error) {
	return queryInt(r.URL.Query().Get("minutes"), "minutes", DefaultHistoryMinutes, 1, redis.MaxHistoryMinutes)
}

// historyOfAll answers every topic's processed and failed counts per
// minute, added up.
func (a *api) historyOfAll(w http.ResponseWriter, r *http.Request) {
	n, err := minutes(r)
	if err != nil {
		a.requestError(w, err)
		return
	}
	ctx, cancel := a.ctx(r)
	defer cancel()
	h, err := a.read(ctx, r, func() (any, error) { return a.insp.HistoryOfAll(ctx, n) })
	if err != nil {
		a.queueError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// topicHistory answers one topic's processed and failed counts per minute.
func (a *api) topicHistory(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		n, err := minutes(r)
		if err != nil {
			return nil, err
		}
		h, err := a.insp.History(ctx, []string{t}, n)
		if err != nil {
			return nil, err
		}
		return h[0], nil
	})
}
