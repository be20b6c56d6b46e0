package redis

import "goweb/pkg/redis/internal/keys"

// PendingKey returns the Redis key of topic's list of pending messages,
// "mq:<topic>": what LLEN counts as the topic's backlog and what an
// autoscaler such as KEDA's Redis Lists scaler watches. Publishing from
// another language LPUSHes to it (docs/wire-format.md).
func PendingKey(topic string) string { return keys.Pending(topic) }
