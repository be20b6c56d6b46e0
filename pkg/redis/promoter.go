package redis

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// promoter moves a topic's delayed entries to its queue when they fall due.
type promoter struct {
	client goredis.UniversalClient
	clock  clockwork.Clock // waits
	rclock *redisClock     // what is due
	keys   keys.TopicKeys
	errs   *throttle
	// idle is how long to wait when nothing is delayed (sharing.promoteIdle).
	idle func() time.Duration
	// arrived tells the shared path that entries were moved to the queue.
	arrived func()
	// limit waits for a turn to run the script (sharing.limit).
	limit func(context.Context) (func(), bool)
}

const (
	promoteIdleCheck = 5 * time.Second // look at least this often, in case a wake-up was lost
	promoteBatch     = 1000            // entries moved by one script call
)

// run sleeps until the earliest due time it knows of, and is woken early
// by wake when an earlier entry is published (locally or, via pub/sub, by
// another process).
func (p *promoter) run(ctx context.Context, wake <-chan struct{}) {
	for {
		wait := p.idle()
		done, ok := p.limit(ctx)
		if !ok {
			return
		}
		res, err := scripts.Promote.Run(ctx, p.client, []string{p.keys.Delayed(), p.keys.Pending()},
			p.rclock.Now().UnixMilli(), promoteBatch).Int64Slice()
		done()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.errs.log("promoting delayed messages failed", err, "topic", p.keys.Topic())
			wait = time.Second
		} else if res[0] > 0 {
			p.arrived()
		}
		if err == nil && res[0] == promoteBatch {
			continue
		} else if err == nil && res[1] >= 0 {
			wait = min(wait, time.Duration(res[1]-p.rclock.Now().UnixMilli())*time.Millisecond)
		}
		if wait <= 0 {
			continue
		}
		t := p.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.Chan():
		}
		t.Stop()
	}
}
