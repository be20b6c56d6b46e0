package redis

import (
	"context"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/scripts"
)

// scriptPipe coalesces the script calls (fetch, ack, promote...) of the
// consumers on the shared path: those that arrive while earlier ones are on
// the wire go out together in one pipeline (coalescer). A thousand topics
// each fetching a few entries then cost Redis a few round trips rather than
// a thousand, and the process two pooled connections rather than as many
// as the pool holds.
//
// A call, once queued, is always sent and answered, and its caller always
// waits for the answer, whatever its context: a fetch must not run in
// Redis after its consumer stopped and handed back what it held. The wait
// is bounded by scriptPipeTimeout, which a call that hangs in an outage
// ends as an error (an unsure fetch), so a shutdown is not held longer. A pipeline that
// go-redis sends again, or whose reply is lost, is to each call what a
// single call sent again or answered with an error is: fetch.lua finds its
// own resend, acks and promotions are idempotent, and a fetch that failed
// is remembered as unsure (fetcher.go).
type scriptPipe struct {
	client goredis.UniversalClient
	c      *coalescer[*scriptReq]
}

type scriptReq struct {
	script *scripts.Script
	keys   []string
	args   []interface{}
	reply  chan *goredis.Cmd
}

const (
	scriptPipeFlushers = 2
	// Calls per pipeline: a fetch runs for tens of microseconds in Redis,
	// so a full pipeline holds other clients for a few milliseconds at
	// most, between its calls.
	scriptPipeMax    = 256
	scriptPipeLinger = 200 * time.Microsecond
	// How long a pipeline, its retries by go-redis included, may take; as
	// long as the settler gives one settling call.
	scriptPipeTimeout = 5 * time.Second
)

func newScriptPipe(client goredis.UniversalClient) *scriptPipe {
	p := &scriptPipe{client: client}
	p.c = newCoalescer(scriptPipeFlushers, scriptPipeMax, scriptPipeLinger, p.flush)
	return p
}

// run runs script with keys and args in the next pipeline. ctx bounds
// only the wait for a place in the queue.
func (p *scriptPipe) run(ctx context.Context, script *scripts.Script, keys []string, args ...interface{}) *goredis.Cmd {
	defer p.c.track()()
	r := scriptReqPool.Get().(*scriptReq)
	r.script, r.keys, r.args = script, keys, args
	defer func() {
		r.script, r.keys, r.args = nil, nil, nil
		scriptReqPool.Put(r)
	}()
	if err := p.c.queue(ctx, r); err != nil {
		cmd := goredis.NewCmd(ctx)
		cmd.SetErr(err)
		return cmd
	}
	return <-r.reply
}

// A request is reused once its caller read the reply: nothing else holds
// it then.
var scriptReqPool = sync.Pool{New: func() any { return &scriptReq{reply: make(chan *goredis.Cmd, 1)} }}

// close stops the flushers once they have sent what is queued.
func (p *scriptPipe) close() { p.c.close() }

func (p *scriptPipe) flush(batch []*scriptReq) {
	ctx, cancel := context.WithTimeout(context.Background(), scriptPipeTimeout)
	defer cancel()
	if len(batch) == 1 {
		r := batch[0]
		r.reply <- r.script.Run(ctx, p.client, r.keys, r.args...)
		return
	}
	pipe := p.client.Pipeline()
	cmds := make([]*goredis.Cmd, len(batch))
	for i, r := range batch {
		cmds[i] = r.script.Queue(ctx, pipe, p.client, r.keys, r.args...)
	}
	_, _ = pipe.Exec(ctx) // errors are per call
	p.reload(ctx, batch, cmds)
	for i, r := range batch {
		r.reply <- r.script.Rerun(ctx, p.client, cmds[i], r.keys, r.args...)
	}
}

// reload sends again, in one more pipeline, the calls whose script Redis
// did not have (it restarted, or its scripts were flushed), once their
// scripts are loaded: those calls did not run. What fails here is run
// again one by one (Rerun).
func (p *scriptPipe) reload(ctx context.Context, batch []*scriptReq, cmds []*goredis.Cmd) {
	var again []int
	loaded := map[*scripts.Script]bool{}
	for i, cmd := range cmds {
		if !scripts.NoScript(cmd.Err()) {
			continue
		}
		s := batch[i].script
		if _, tried := loaded[s]; !tried {
			loaded[s] = s.Load(ctx, p.client) == nil
		}
		if loaded[s] {
			again = append(again, i)
		}
	}
	if len(again) == 0 {
		return
	}
	pipe := p.client.Pipeline()
	for _, i := range again {
		r := batch[i]
		cmds[i] = r.script.Queue(ctx, pipe, p.client, r.keys, r.args...)
	}
	_, _ = pipe.Exec(ctx)
}
