package dispatch

import (
	"context"

	"goweb/pkg/redis"
)

// A requeued dead letter starts its attempts over (attempt 1), so a
// success at its first new attempt does not delete its attempts record,
// which only attempts after the first do. RequeueDead and RequeueAllDead
// therefore delete the records first; the admin API and the CLI requeue
// through them.

// RequeueDead deletes the attempts records of the dead letters ids of
// topic, then requeues them with insp.RequeueDead.
func (a *Attempts) RequeueDead(ctx context.Context, insp *redis.Inspector, topic string, ids ...string) (int64, error) {
	if err := redis.ValidateTopic(topic); err != nil {
		return 0, err
	}
	if err := a.Forget(ctx, topic, ids...); err != nil {
		return 0, err
	}
	return insp.RequeueDead(ctx, topic, ids...)
}

// RequeueAllDead deletes the attempts records of every dead letter of
// topic, then requeues them all with insp.RequeueAllDead. A letter that
// dies between the two keeps its record until its next first attempt.
func (a *Attempts) RequeueAllDead(ctx context.Context, insp *redis.Inspector, topic string) (int64, error) {
	for offset := 0; ; offset += forgetBatch {
		dead, err := insp.DeadLetters(ctx, topic, offset, forgetBatch)
		if err != nil {
			return 0, err
		}
		ids := make([]string, 0, len(dead))
		for _, d := range dead {
			if d.ID != "" {
				ids = append(ids, d.ID)
			}
		}
		if err := a.Forget(ctx, topic, ids...); err != nil {
			return 0, err
		}
		if len(dead) < forgetBatch {
			break
		}
	}
	return insp.RequeueAllDead(ctx, topic)
}
