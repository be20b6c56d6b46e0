package redis

import (
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// ErrRedisFull is returned by a publish that Redis refused because it
// reached maxmemory under the noeviction policy. Nothing was published.
// Consumers keep taking and settling messages meanwhile, and every ack
// frees memory, so the caller can retry later. See docs/reliability.md.
var ErrRedisFull = errors.New("redis is full (maxmemory reached); nothing was published")

// fullError returns err wrapped in ErrRedisFull when Redis refused a write
// for lack of memory (an OOM reply), else err unchanged.
func fullError(err error) error {
	if err == nil { // every successful publish: errors.As would allocate reply
		return nil
	}
	var reply goredis.Error
	if errors.As(err, &reply) && strings.HasPrefix(reply.Error(), "OOM ") {
		return fmt.Errorf("%w: %w", ErrRedisFull, err)
	}
	return err
}
