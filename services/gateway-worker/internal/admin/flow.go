package admin

import (
	"context"
	"fmt"
	"net/http"
	"slices"

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

// pauseRequest is the optional body of a pause.
type pauseRequest struct {
	// Force pauses a topic that was never published to or consumed,
	// which is refused otherwise: it is most often a typo.
	Force bool `json:"force"`
}

// pause stops every consumer of the topic, in every process, from starting
// messages until resume; both are idempotent.
func (a *api) pause(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		var req pauseRequest
		if r.ContentLength != 0 {
			if err := a.decodeBody(w, r, &req); err != nil {
				return nil, err
			}
		}
		if !req.Force {
			if err := a.checkUsed(ctx, t, "to pause it before its first use, send {\"force\":true}"); err != nil {
				return nil, err
			}
		}
		return a.setPaused(ctx, t, a.insp.Pause, true)
	})
}

func (a *api) resume(w http.ResponseWriter, r *http.Request) {
	a.answer(w, r, func(ctx context.Context, t string) (any, error) {
		if r.ContentLength > 0 {
			return nil, badRequest("body: want none")
		}
		// A topic paused before its first use (force) is resumed without
		// force; one neither used nor paused is a typo, as for pause.
		paused, err := a.insp.Paused(ctx, t)
		if err != nil {
			return nil, err
		}
		if !paused {
			if err := a.checkUsed(ctx, t, "it is not paused either"); err != nil {
				return nil, err
			}
		}
		return a.setPaused(ctx, t, a.insp.Resume, false)
	})
}

// checkUsed refuses a topic that was never published to or consumed,
// ending the message with hint.
func (a *api) checkUsed(ctx context.Context, t, hint string) error {
	topics, err := a.insp.Topics(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(topics, t) {
		return &requestError{code: http.StatusNotFound, msg: fmt.Sprintf(
			"topic %q was never published to or consumed (a typo?); %s", t, hint)}
	}
	return nil
}

func (a *api) setPaused(ctx context.Context, t string, act func(context.Context, string) error, paused bool) (any, error) {
	if err := act(ctx, t); err != nil {
		return nil, err
	}
	a.Log.Info("topic flow changed", "topic", t, "paused", paused)
	return pausedJSON{Topic: t, Paused: paused}, nil
}
