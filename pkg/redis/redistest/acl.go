package redistest

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// QueueACL is the least a Redis ACL user needs to publish, consume and
// inspect queues: the commands below, the keys mq:* (pending lists and the
// topic registry) and {mq:* (everything else of a topic), and the pub/sub
// channels mq:wake, mq:flow and mq:push:* (a topic's push announcements).
// Scripts run with the caller's permissions, so the
// commands the Lua scripts call are listed too.
var QueueACL = []string{
	"resetkeys", "~mq:*", "~{mq:*",
	"resetchannels", "&mq:wake", "&mq:flow", "&mq:push:*",
	"-@all",
	// connection (go-redis also sends CLIENT SETINFO and ignores a refusal)
	"+hello", "+auth", "+ping",
	// called directly
	"+lpush", "+blmove", "+evalsha", "+eval", "+publish", "+subscribe",
	"+sadd", "+smembers", "+llen", "+hlen", "+hgetall", "+del", "+exists", "+set",
	"+zadd", "+zcard", "+zscore", "+zrange", "+zrevrange", "+zrangebyscore", "+zremrangebyscore",
	// called by the Lua scripts
	"+rpush", "+lrange", "+ltrim", "+incrby", "+hset", "+hget", "+hexists", "+hdel", "+hincrby",
	"+zrem", "+zremrangebyrank", "+get", "+time", "+expire",
}

// SetQueueUser creates (or resets) user with password and QueueACL through
// an admin client.
func SetQueueUser(ctx context.Context, admin redis.UniversalClient, user, password string) error {
	args := []interface{}{"ACL", "SETUSER", user, "reset", "on", ">" + password}
	for _, r := range QueueACL {
		args = append(args, r)
	}
	if err := admin.Do(ctx, args...).Err(); err != nil {
		return fmt.Errorf("redistest: ACL SETUSER %s: %w", user, err)
	}
	return nil
}
