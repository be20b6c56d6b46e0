package handlers

import (
	"context"
	"fmt"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// Cleaner trims, for every topic in the registry, dead letters older than
// the retention and expired de-duplication and idempotency markers.
type Cleaner struct {
	retention time.Duration // age past which dead letters are dropped
	insp      *redis.Inspector
	log       logger.Logger
}

// NewCleaner returns a Cleaner dropping dead letters older than retention.
func NewCleaner(insp *redis.Inspector, retention time.Duration, log logger.Logger) *Cleaner {
	return &Cleaner{retention: retention, insp: insp, log: log}
}

// Report says what a cleanup removed, per topic; topics where nothing was
// removed are left out.
type Report struct {
	DeadLetters map[string]int64 `json:"dead_letters"`
	Markers     map[string]int64 `json:"markers"`
}

// Total returns how many dead letters and markers were removed.
func (r Report) Total() (dead, markers int64) {
	for _, n := range r.DeadLetters {
		dead += n
	}
	for _, n := range r.Markers {
		markers += n
	}
	return dead, markers
}

// Clean trims every registered topic. On error it returns what it removed
// so far as well.
func (c *Cleaner) Clean(ctx context.Context) (Report, error) {
	rep := Report{DeadLetters: map[string]int64{}, Markers: map[string]int64{}}
	topics, err := c.insp.Topics(ctx)
	if err != nil {
		return rep, fmt.Errorf("cleanup: list topics: %w", err)
	}
	for _, t := range topics {
		if redis.ValidateTopic(t) != nil {
			continue // not ours to touch
		}
		dead, err := c.insp.TrimDead(ctx, t, c.retention)
		if err != nil {
			return rep, fmt.Errorf("cleanup: trim dead letters of %s: %w", t, err)
		}
		markers, err := c.insp.TrimMarkers(ctx, t)
		if err != nil {
			return rep, fmt.Errorf("cleanup: trim markers of %s: %w", t, err)
		}
		addNonZero(rep.DeadLetters, t, dead)
		addNonZero(rep.Markers, t, markers)
	}
	return rep, nil
}

func addNonZero(m map[string]int64, k string, n int64) {
	if n > 0 {
		m[k] = n
	}
}

// Handle is the system.cleanup handler: it logs the message, cleans and
// logs what it removed. A failure is retried like any handler error.
func (c *Cleaner) Handle(ctx context.Context, msg *redis.Message) error {
	logMessage(c.log, msg)
	rep, err := c.Clean(ctx)
	dead, markers := rep.Total()
	c.log.Info("cleanup done", "message_id", msg.ID, "retention", c.retention.String(),
		"dead_letters_removed", dead, "markers_removed", markers,
		"dead_letters_by_topic", rep.DeadLetters, "markers_by_topic", rep.Markers)
	return err
}
