// Package netfault puts a Toxiproxy proxy, run in the test process, between
// Redis and its clients, so tests can break the network the way a real one
// breaks: latency, data dropped while connections stay open, resets,
// connections cut after some bytes, little bandwidth.
//
//	px := netfault.Start(t, srv.Addr) // clients dial px.Addr
//	px.Add(t, netfault.Toxic{Type: "latency", Stream: netfault.Downstream, Attributes: map[string]int{"latency": 200}})
//	...
//	px.Clear()
//
// The toxic types and their attributes are Toxiproxy's
// (github.com/Shopify/toxiproxy/v2/toxics).
package netfault

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// The directions a toxic can act in.
const (
	Upstream   = "upstream"   // client to Redis: commands
	Downstream = "downstream" // Redis to client: replies
)

// Proxy is one proxy to a Redis server.
type Proxy struct {
	proxy *toxiproxy.Proxy
	Addr  string // where clients connect instead of Redis

	mu     sync.Mutex
	active []interval // when toxics were in place
	since  time.Time  // start of the current interval, zero when none is
}

// interval is a span of time, [from, to].
type interval struct{ from, to time.Time }

func (i interval) overlaps(from, to time.Time) bool { return !to.Before(i.from) && !from.After(i.to) }

// Toxiproxy's toxics log through zerolog's global logger, some at trace
// level for every interrupted chunk.
var quiet sync.Once

// Start starts a proxy to upstream on an ephemeral port of 127.0.0.1,
// stopped at cleanup.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	quiet.Do(func() { zerolog.SetGlobalLevel(zerolog.Disabled) })
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, strings.ReplaceAll(t.Name(), "/", "_"), "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	t.Cleanup(p.Stop)
	return &Proxy{proxy: p, Addr: p.Listen}
}

// Toxic is one Toxiproxy toxic. Type is latency, timeout, reset_peer,
// limit_data, bandwidth...; Stream is Upstream or Downstream; Toxicity, the
// share of connections affected, defaults to all.
type Toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float32        `json:"toxicity"`
	Attributes map[string]int `json:"attributes"`
}

// Add puts toxics in place on every connection, open or new. Names must
// differ from those in place; an empty name is the type and stream.
func (p *Proxy) Add(t testing.TB, toxics ...Toxic) {
	t.Helper()
	for _, tx := range toxics {
		if tx.Toxicity == 0 {
			tx.Toxicity = 1
		}
		b, err := json.Marshal(tx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.proxy.Toxics.AddToxicJson(strings.NewReader(string(b))); err != nil {
			t.Fatalf("add toxic %s: %v", b, err)
		}
	}
	p.mu.Lock()
	if p.since.IsZero() {
		p.since = time.Now()
	}
	p.mu.Unlock()
}

// Clear removes every toxic: the network is healthy again.
func (p *Proxy) Clear() {
	p.proxy.Toxics.ResetToxics(context.Background())
	p.mu.Lock()
	if !p.since.IsZero() {
		p.active = append(p.active, interval{p.since, time.Now()})
		p.since = time.Time{}
	}
	p.mu.Unlock()
}

// Faulty reports whether toxics were in place at some moment of [from, to].
func (p *Proxy) Faulty(from, to time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.since.IsZero() && !to.Before(p.since) {
		return true
	}
	for _, i := range p.active {
		if i.overlaps(from, to) {
			return true
		}
	}
	return false
}
