package redis

import (
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// blocker is a consumer's connection for blocking commands, made on first
// use, so a consumer on the shared fetch path never makes one. Closing it
// is the only way to interrupt a blocking command, which is how a consumer
// stops promptly; once closed it stays closed.
type blocker struct {
	dial func() goredis.UniversalClient

	mu     sync.Mutex
	client goredis.UniversalClient
	closed bool
}

// get returns the client, or nil once closed.
func (b *blocker) get() goredis.UniversalClient {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	if b.client == nil {
		b.client = b.dial()
	}
	return b.client
}

// close closes the client, ending a blocked command.
func (b *blocker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if b.client != nil {
		_ = b.client.Close()
	}
}
