package admin

import (
	"context"
	"net/http"

	"goweb/pkg/redis"
)

// Limits are the flow control limits a topic is consumed with, as this
// service's configuration sets them. See Options.Limits.
type Limits struct {
	RateLimit         string `json:"rate_limit,omitempty"`         // as redis.ParseRateLimit reads it, e.g. 50/s
	GlobalConcurrency int    `json:"global_concurrency,omitempty"` // 0: none
}

// topicEntry is a topic's stats (paused among them) and, when it has any,
// its limits.
type topicEntry struct {
	redis.TopicStats
	Limits *Limits `json:"limits,omitempty"`
	// Spark is the processed count of each of the last ?spark= minutes,
	// the current one last (GET /v1/topics only).
	Spark []int64 `json:"spark,omitempty"`
}

func (a *api) entry(s redis.TopicStats) topicEntry {
	e := topicEntry{TopicStats: s}
	if l, ok := a.Limits[s.Topic]; ok {
		e.Limits = &l
	}
	return e
}

type pausedJSON struct {
	Topic  string `json:"topic"`
	Paused bool   `json:"paused"`
}

// pause stops every consumer of the topic, in every process, from starting
// messages until resume; both are idempotent.
func (a *api) pause(w http.ResponseWriter, r *http.Request) { a.setPaused(w, r, true) }

func (a *api) resume(w http.ResponseWriter, r *http.Request) { a.setPaused(w, r, false) }

func (a *api) setPaused(w http.ResponseWriter, r *http.Request, paused bool) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		if r.ContentLength > 0 {
			return nil, badRequest("body: want none")
		}
		act := a.insp.Resume
		if paused {
			act = a.insp.Pause
		}
		if err := act(ctx, t); err != nil {
			return nil, err
		}
		a.Log.Info("topic flow changed", "topic", t, "paused", paused)
		return pausedJSON{Topic: t, Paused: paused}, nil
	})
}
