package redis

import (
	"context"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// promoter moves a topic's delayed entries to its queue when they fall
// due. Between two looks it holds a timer, not a goroutine: promote runs on
// a goroutine of its own (runs) when the timer fires or a wake-up comes.
type promoter struct {
	clock  clockwork.Clock // waits
	rclock *redisClock     // what is due
	keys   keys.TopicKeys
	errs   *throttle
	// idle is how long to wait when nothing is delayed (sharing.promoteIdle).
	idle func() time.Duration
	// arrived tells the shared path that entries were moved to the queue.
	arrived func()
	// script runs the script (sharing.run).
	script runScript

	ctx  context.Context // promote's, set by start
	runs onDemand

	mu   sync.Mutex
	next clockwork.Timer // the next look; nil once stopped
	done bool
}

const (
	promoteIdleCheck = 5 * time.Second // look at least this often, in case a wake-up was lost
	promoteBatch     = 1000            // entries moved by one script call
)

// start looks at once, then at the earliest due time it knows of, and
// early when hub announces an earlier entry of the topic (published
// locally or, via pub/sub, by another process), until ctx ends; stop must
// be called then.
func (p *promoter) start(ctx context.Context, hub *wakeHub) (stop func()) {
	p.ctx = ctx
	p.runs.pass = p.promote
	leave := hub.joinCall(p.keys.Topic(), p.runs.kick)
	p.runs.kick()
	return func() {
		leave()
		p.runs.close()
		p.mu.Lock()
		p.done = true
		if p.next != nil {
			p.next.Stop()
		}
		p.mu.Unlock()
	}
}

// promote moves what is due, and sets the timer of the next look.
func (p *promoter) promote() {
	ctx := p.ctx
	for ctx.Err() == nil {
		wait := p.idle()
		res, err := p.script(ctx, scripts.Promote, []string{p.keys.Delayed(), p.keys.Pending()},
			p.rclock.Now().UnixMilli(), promoteBatch).Int64Slice()
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
		if wait > 0 {
			p.after(wait)
			return
		}
	}
}

// after sets the timer of the next look to d from now.
func (p *promoter) after(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	if p.next != nil {
		p.next.Stop()
	}
	p.next = p.clock.AfterFunc(d, p.runs.kick)
}
