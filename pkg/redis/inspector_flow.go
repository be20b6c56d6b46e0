package redis

import (
	"context"
	"fmt"

	"goweb/pkg/redis/internal/keys"
)

// Pause stops every consumer of topic, in every process, from starting
// messages: within milliseconds where the pub/sub announcement arrives, and
// at their next fetch in any case. Messages already running finish
// normally; those fetched but not started go back to the head of the queue.
// Publishing goes on. The pause is stored in Redis, so it outlasts restarts
// of the consumers (and of Redis with persistence) until Resume. Pausing
// does not register the topic: one paused before its first use (or by a
// typo) is listed by Topics once it is published to or consumed, not
// before, and Resume leaves no trace of it.
func (i *Inspector) Pause(ctx context.Context, topic string) error {
	return i.setPaused(ctx, topic, true)
}

// Resume lets the consumers of a paused topic start messages again.
// Resuming a topic that is not paused does nothing.
func (i *Inspector) Resume(ctx context.Context, topic string) error {
	return i.setPaused(ctx, topic, false)
}

// Paused reports whether topic is paused.
func (i *Inspector) Paused(ctx context.Context, topic string) (bool, error) {
	if err := ValidateTopic(topic); err != nil {
		return false, err
	}
	n, err := i.q.client.Exists(ctx, keys.Paused(topic)).Result()
	return n == 1, err
}

func (i *Inspector) setPaused(ctx context.Context, topic string, paused bool) error {
	if err := ValidateTopic(topic); err != nil {
		return err
	}
	var err error
	if paused {
		err = i.q.client.Set(ctx, keys.Paused(topic), "1", 0).Err()
	} else {
		err = i.q.client.Del(ctx, keys.Paused(topic)).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: topic %s: %w", topic, err)
	}
	// The consumers' fetch script checks the flag anyway; the announcement
	// makes them stop (or start) now rather than at their next fetch.
	if err := i.q.wake.announceFlow(ctx, keys.FlowState, topic); err != nil {
		return fmt.Errorf("redis: topic %s: announcing the change: %w", topic, err)
	}
	return nil
}
