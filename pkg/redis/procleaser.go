package redis

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// procLeaser is the one lease of a process: it renews the process's lease
// in keys.Processes for all its consumers at once, keeps the list of those
// consumers in keys.Process(pid), and hands back what the consumers of
// dead processes held. It does for a whole process what leaser does for
// one consumer, at the same pace, so the recovery window holds the same way
// for every topic.
//
// Every consumer is listed, whichever fetch path it is on, so that a
// process on the shared path, which reaps processes rather than topics,
// finds a dead per-topic process's consumers too. On the per-topic path
// each consumer also keeps a lease of its own in its topic's consumers set
// (leaser), which release.lua checks before taking anything, and the
// process reaps only once per recovery window, to forget dead processes.
//
// On the shared path a consumer's entry in its topic's consumers set is
// still written by each fetch (fetch.lua), but no longer renewed while the
// topic is idle: a per-topic reaper that finds it expired asks this
// process's lease first (leaser.reap, processAlive).
type procLeaser struct {
	q      *RedisQueue // for its clock, which tests may set after the queue is made
	client goredis.UniversalClient
	log    logger.Logger
	pid    string
	errs   *throttle
	wake   *wakeHub

	mu         sync.Mutex
	members    map[string]member // by consumer id
	registered bool              // the process's lease and consumer list are written
	unlisted   map[string]string // consumer id -> topic: joining, not listed yet (join)
	orphans    map[string]string // consumer id -> topic: stopped without handing back what it held

	// joining makes consumers that join together wait for the first one's
	// renewal instead of each writing the whole list.
	joining sync.Mutex
	// writing keeps a renewal from listing again a consumer that is
	// leaving, the last one's leave having deleted the lease: a clean stop
	// leaves nothing behind.
	writing sync.Mutex
}

// member is one consumer leased by the process.
type member struct {
	topic string
	lease time.Duration // half its recovery window, as leaser's
}

func newProcLeaser(q *RedisQueue) *procLeaser {
	return &procLeaser{
		q: q, client: q.client, log: q.log, pid: q.ids.prefix, wake: q.wake,
		errs:     newThrottle(q.log, q.clock, 10*time.Second),
		members:  map[string]member{},
		orphans:  map[string]string{},
		unlisted: map[string]string{},
	}
}

func (p *procLeaser) clock() clockwork.Clock { return p.q.clock }

// processOf is the id of the process (its queue's id prefix) that made
// consumer id cid.
func processOf(cid string) string {
	if len(cid) < idPrefixLen {
		return ""
	}
	return cid[:idPrefixLen]
}

// join puts consumer cid of topic under the process's lease. Once it
// returned nil the consumer is listed, and on the shared path needs no
// lease of its own. After an error it stays a member, and the next renewal
// lists every member again.
//
// Consumers that join together are listed together: while one HSET is on
// the wire the others queue up in unlisted, and the next of them to get
// its turn lists them all, so a thousand starting consumers cost a few
// round trips, not a thousand in a row.
func (p *procLeaser) join(ctx context.Context, cid, topic string, lease time.Duration) error {
	p.mu.Lock()
	p.members[cid] = member{topic: topic, lease: lease}
	p.unlisted[cid] = topic
	p.mu.Unlock()
	p.joining.Lock()
	defer p.joining.Unlock()
	p.mu.Lock()
	_, waiting := p.unlisted[cid]
	registered := p.registered
	fields := make([]interface{}, 0, 2*len(p.unlisted))
	for c, t := range p.unlisted {
		fields = append(fields, c, t)
	}
	p.mu.Unlock()
	if !waiting {
		return nil // listed by a consumer that joined meanwhile
	}
	var err error
	if !registered {
		err = p.renew(ctx, false)
	}
	// Always, even after a renewal that listed the members: another
	// consumer's renewal may have listed them before these were added.
	if err == nil {
		err = p.client.HSet(ctx, keys.Process(p.pid), fields...).Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.registered = false
		return err // the ones waiting try again in their turn
	}
	for i := 0; i < len(fields); i += 2 {
		delete(p.unlisted, fields[i].(string))
	}
	return nil
}

// leave takes consumer cid of topic off the process's lease after it
// stopped. A consumer that could not hand back what it held (released
// false) stays listed: the process hands it back later (retryOrphans), or,
// if the process dies first, other processes do. When the last consumer
// leaves, so does the process.
func (p *procLeaser) leave(ctx context.Context, cid, topic string, released bool) {
	p.writing.Lock()
	defer p.writing.Unlock()
	p.mu.Lock()
	delete(p.members, cid)
	delete(p.unlisted, cid) // its join failed: no batch lists it any more
	if !released {
		p.orphans[cid] = topic
	}
	last := len(p.members) == 0 && p.registered
	if last {
		p.registered = false
	}
	p.mu.Unlock()
	if !released {
		return
	}
	err := p.client.HDel(ctx, keys.Process(p.pid), cid).Err()
	if err == nil && last {
		n, herr := p.client.HLen(ctx, keys.Process(p.pid)).Result()
		if herr == nil && n == 0 {
			err = p.client.ZRem(ctx, keys.Processes, p.pid).Err()
		}
	}
	if err != nil {
		p.log.Warn("could not take a consumer off the process lease; it is reaped after the recovery window",
			"consumer", cid, "error", err)
	}
}

// run renews and reaps as leaser.run does for one consumer: every 2/5 of
// the shortest lease of its members, listing the topics in the registry at
// every fifth renewal. On the shared path it reaps at every other renewal;
// on the per-topic path, where each consumer reaps its own topic, only at
// every fifth, to hand back what a dead process's consumers of other
// topics held and to forget dead processes.
func (p *procLeaser) run(ctx context.Context) {
	for i := 0; ; i++ {
		if err := p.renew(ctx, i%5 == 0); err != nil && ctx.Err() == nil {
			p.errs.log("process lease renewal failed", err, "process", p.pid)
		}
		if p.q.sharing.active() && i%2 == 0 || i%5 == 0 {
			p.reap(ctx)
		}
		if i%2 == 0 {
			// On either path: other processes see a stopped consumer that
			// could not hand back as alive while this process's lease is.
			p.retryOrphans(ctx)
		}
		sleepCtx(ctx, p.clock(), jitter(p.lease()*2/5))
		if ctx.Err() != nil {
			return
		}
	}
}

// retryOrphans hands back what stopped consumers could not, and takes them
// off the list: the process's lease would otherwise keep their entries in
// flight for as long as it lives.
func (p *procLeaser) retryOrphans(ctx context.Context) {
	p.mu.Lock()
	orphans := make(map[string]string, len(p.orphans))
	for cid, topic := range p.orphans {
		orphans[cid] = topic
	}
	p.mu.Unlock()
	for cid, topic := range orphans {
		k := keys.For(topic)
		now := p.q.rclock.Now().UnixMilli()
		err := scripts.Release.Run(ctx, p.client,
			[]string{k.Consumers(), k.Pending(), k.Claim(cid), k.Inflight(cid), k.Slots()},
			cid, now, "1", now).Err()
		if err == nil {
			err = p.client.HDel(ctx, keys.Process(p.pid), cid).Err()
		}
		if err != nil {
			return // tried again at the next reap
		}
		p.mu.Lock()
		delete(p.orphans, cid)
		p.mu.Unlock()
	}
}

// lease is the shortest lease of the members.
func (p *procLeaser) lease() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := DefaultRecoveryWindow / 2
	for _, m := range p.members {
		d = min(d, m.lease)
	}
	return d
}

// renew extends the process's lease. When the lease was not listed (the
// first renewal, or it was reaped, or Redis lost its data) it lists every
// member again; with register set it lists their topics in the registry,
// with one SADD.
func (p *procLeaser) renew(ctx context.Context, register bool) error {
	p.writing.Lock()
	defer p.writing.Unlock()
	p.mu.Lock()
	members := make(map[string]member, len(p.members))
	for cid, m := range p.members {
		members[cid] = m
	}
	p.mu.Unlock()
	if len(members) == 0 {
		return nil
	}
	expiry := p.q.rclock.Now().Add(p.lease()).UnixMilli() // Redis-aligned, as a consumer's lease
	added, err := p.client.ZAdd(ctx, keys.Processes, goredis.Z{Score: float64(expiry), Member: p.pid}).Result()
	if errors.Is(fullError(err), ErrRedisFull) {
		added, err = scripts.Lease.Run(ctx, p.client, []string{keys.Processes}, expiry, p.pid).Int64()
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	listed := p.registered
	p.mu.Unlock()
	if added == 1 || !listed {
		fields := make([]interface{}, 0, 2*len(members))
		for cid, m := range members {
			fields = append(fields, cid, m.topic)
		}
		if err := p.client.HSet(ctx, keys.Process(p.pid), fields...).Err(); err != nil {
			return err
		}
		p.mu.Lock()
		p.registered = true
		p.mu.Unlock()
	}
	if register {
		var topics []interface{}
		seen := map[string]bool{}
		for _, m := range members {
			if !seen[m.topic] {
				seen[m.topic] = true
				topics = append(topics, m.topic)
			}
		}
		// A full Redis refuses this SADD even of topics already listed;
		// the lease, which runs on a full Redis, is what matters.
		if err := p.client.SAdd(ctx, keys.Topics, topics...).Err(); err != nil && !errors.Is(fullError(err), ErrRedisFull) {
			return err
		}
	}
	return nil
}
