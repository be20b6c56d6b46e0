package redis

import (
	"context"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// Idempotent returns middleware that runs a handler at most once per message
// id within ttl: after a success the id is marked in Redis, and a later
// delivery of the same id (a redelivery after a crash, or a producer that
// published it twice with WithID) is acknowledged without running the
// handler. Markers expire after ttl; TrimMarkers or the service's
// system.cleanup removes expired ones.
//
// It guards against deliveries that happen one after another. Two
// deliveries of one id running at the same moment can both run; make the
// handler's own writes idempotent where that matters.
func Idempotent(q *RedisQueue, ttl time.Duration) Middleware {
	return func(next MessageHandler) MessageHandler {
		return func(ctx context.Context, msg *Message) error {
			done := keys.For(msg.Topic).Done()
			now := q.nowMs()
			score, err := q.client.ZScore(ctx, done, msg.ID).Result()
			switch {
			case err == nil && int64(score) > now:
				q.log.Info("message already processed, skipping", "topic", msg.Topic, "message_id", msg.ID)
				return nil
			case err != nil && err != goredis.Nil:
				return err // cannot tell: retry rather than risk a double run
			}
			if err := next(ctx, msg); err != nil {
				return err
			}
			pipe := q.client.Pipeline()
			pipe.ZAdd(ctx, done, goredis.Z{Score: float64(now + ttl.Milliseconds()), Member: msg.ID})
			pipe.ZRemRangeByScore(ctx, done, "-inf", strconv.FormatInt(now, 10))
			_, err = pipe.Exec(ctx)
			// The work is done; failing to mark it must not retry it.
			if err != nil {
				q.log.Warn("could not mark message processed", "topic", msg.Topic, "message_id", msg.ID, "error", err)
			}
			return nil
		}
	}
}
