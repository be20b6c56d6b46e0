package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// The Inspector's errors say what went wrong, so a caller such as the admin
// API can answer accordingly:
//
//   - errors.Is(err, ErrWrongType): a key of the topic holds another kind of
//     value than the queue keeps there (someone wrote it by hand). Redis is
//     fine; this topic is broken until the key is deleted.
//   - errors.Is(err, ErrRedisTimeout): Redis did not answer one command
//     within the client's read or write timeout (Redis is down, paused or
//     overloaded).
//   - errors.Is(err, context.DeadlineExceeded): the caller's deadline passed
//     while Redis was answering; the operation was slow, not Redis gone. A
//     requeue cut short says how far it got.
var (
	ErrWrongType    = errors.New("a key of the topic holds the wrong kind of value")
	ErrRedisTimeout = errors.New("redis did not answer in time")
)

// inspectError classifies err from a Redis call made with ctx (see above);
// other errors are returned unchanged.
func inspectError(ctx context.Context, err error) error {
	var reply goredis.Error
	var netErr net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &reply) && strings.HasPrefix(reply.Error(), "WRONGTYPE"):
		return fmt.Errorf("%w: %w", ErrWrongType, err)
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		// go-redis turns a context deadline into a socket deadline, so
		// the caller's deadline can come back as an i/o timeout.
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	case ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("%w: %w", ErrRedisTimeout, err)
	}
	return err
}
