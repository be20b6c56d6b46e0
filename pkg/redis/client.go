package redis

import (
	"context"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
)

// newClient builds the go-redis client for o: Cluster, Sentinel failover or
// one node. poolSize 0 keeps o's. It dials once per attempt instead of
// go-redis' five, so that while Redis is down a call fails in about one
// dial timeout and shutdown does not stall.
func newClient(o *goredis.UniversalOptions, poolSize int) goredis.UniversalClient {
	const dialRetries = 1
	switch {
	case o.MasterName != "":
		f := o.Failover()
		f.DialerRetries = dialRetries
		if poolSize > 0 {
			f.PoolSize, f.MaxIdleConns = poolSize, poolSize
		}
		return goredis.NewFailoverClient(f)
	case o.IsClusterMode || len(o.Addrs) > 1:
		c := o.Cluster()
		c.DialerRetries = dialRetries
		// go-redis refreshes its slot map on MOVED, or else every 60 s. A
		// killed master sends no MOVED, only refused dials, so without a
		// short interval clients would miss the promoted replica for up to
		// a minute. The reload is one CLUSTER SLOTS, lazily, on traffic.
		c.ClusterStateReloadInterval = time.Second
		if poolSize > 0 {
			c.PoolSize, c.MaxIdleConns = poolSize, poolSize
		}
		return goredis.NewClusterClient(c)
	default:
		s := o.Simple()
		s.DialerRetries = dialRetries
		if poolSize > 0 {
			s.PoolSize, s.MaxIdleConns = poolSize, poolSize
		}
		return goredis.NewClient(s)
	}
}

// go-redis logs every failed dial through a process-wide logger. Route it
// through a throttle to the first Manager's logger, so an outage is reported
// but does not flood.
var redirectOnce sync.Once

func redirectClientLogs(log logger.Logger) {
	redirectOnce.Do(func() {
		goredis.SetLogger(&clientLog{t: newThrottle(log, 30*time.Second)})
	})
}

type clientLog struct{ t *throttle }

func (l *clientLog) Printf(_ context.Context, format string, v ...interface{}) {
	l.t.log("redis client", fmt.Errorf(format, v...))
}
