package redis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"goweb/pkg/logger"
)

// newClient builds the go-redis client for o: Cluster, Sentinel failover or
// one node. poolSize 0 keeps o's. It dials once per attempt instead of
// go-redis' five, so that while Redis is down a call fails in about one
// dial timeout and shutdown does not stall.
// maxIdleConns is how many idle connections the shared pool keeps open.
const maxIdleConns = 8

func newClient(o *goredis.UniversalOptions, poolSize int) goredis.UniversalClient {
	u := *o // Failover, Cluster and Simple copy these fields from it
	u.DialerRetries = 1
	// Maintenance notifications (a Redis Enterprise/Cloud handshake) off
	// unless asked for: in go-redis' default auto mode the first failed
	// handshake, which every open-source Redis answers, switches the mode
	// off in the options the client shares with its Conns, unguarded by
	// their locks, so Conns dialling at once race (WithReplicaAck WAITs on
	// a Conn; the race detector caught it after a cluster failover).
	if u.MaintNotificationsConfig == nil {
		u.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
	// A caller's deadline bounds its command's socket reads, not only the
	// wait for a pooled connection: an admin request with 5 s left must not
	// wait out a longer read timeout.
	u.ContextTimeoutEnabled = true
	if poolSize > 0 {
		u.PoolSize, u.MaxIdleConns = poolSize, poolSize
	} else if u.MaxIdleConns == 0 {
		// Connections opened by a burst (a thousand consumers starting at
		// once) are closed when they fall idle, rather than held for good:
		// an idle process keeps a few (docs/scaling.md).
		u.MaxIdleConns = maxIdleConns
	}
	switch {
	case u.MasterName != "":
		return goredis.NewFailoverClient(u.Failover())
	case isCluster(&u):
		c := u.Cluster()
		// go-redis refreshes its slot map on MOVED, or else every 60 s. A
		// killed master sends no MOVED, only refused dials, so without a
		// short interval clients would miss the promoted replica for up to
		// a minute. The reload is one CLUSTER SLOTS, lazily, on traffic.
		c.ClusterStateReloadInterval = time.Second
		return goredis.NewClusterClient(c)
	default:
		return goredis.NewClient(u.Simple())
	}
}

// isCluster reports whether o selects a Cluster client (when it names no
// Sentinel master): go-redis' own rule for a UniversalClient.
func isCluster(o *goredis.UniversalOptions) bool {
	return o.IsClusterMode || len(o.Addrs) > 1
}

// go-redis logs every failed dial through a process-wide logger. Route it
// through a throttle to the first Manager's logger, so an outage is reported
// but does not flood.
var redirectOnce sync.Once

func redirectClientLogs(log logger.Logger) {
	redirectOnce.Do(func() {
		goredis.SetLogger(&clientLog{t: newThrottle(log, clockwork.NewRealClock(), 30*time.Second)})
	})
}

type clientLog struct{ t *throttle }

func (l *clientLog) Printf(_ context.Context, format string, v ...interface{}) {
	l.t.log("redis client", fmt.Errorf(format, v...))
}
