// Package netfault puts a Toxiproxy proxy between Redis and its clients, so
// tests can break the network the way a real one breaks: latency, data
// dropped while connections stay open, resets, connections cut after some
// bytes, little bandwidth.
//
//	px := netfault.Start(t, srv.Addr) // clients dial px.Addr
//	px.Add(t, netfault.Toxic{Type: "latency", Stream: netfault.Downstream, Attributes: map[string]int{"latency": 200}})
//	...
//	px.Clear(t)
//
// The toxic types and their attributes are Toxiproxy's
// (github.com/Shopify/toxiproxy/v2/toxics). Each proxy is a toxiproxy-server
// process of its own, built from the module on first use: Toxiproxy leaves
// goroutines blocked when toxics come and go under traffic, which would
// fail the goroutine-leak check of an in-process proxy. Call RemoveBinary
// at the end of TestMain.
package netfault

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"goweb/pkg/redis/redistest"
)

// The directions a toxic can act in.
const (
	Upstream   = "upstream"   // client to Redis: commands
	Downstream = "downstream" // Redis to client: replies
)

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// binary builds toxiproxy-server once per test process.
func binary() (string, error) {
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "netfault-*")
		if build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "toxiproxy-server")
		out, err := exec.Command("go", "build", "-o", build.bin, "github.com/Shopify/toxiproxy/v2/cmd/server").CombinedOutput()
		if err != nil {
			build.err = &buildError{err: err, out: string(out)}
		}
	})
	return build.bin, build.err
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "build toxiproxy-server: " + e.err.Error() + "\n" + e.out }

// RemoveBinary deletes the toxiproxy-server binary, if one was built.
func RemoveBinary() {
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
}

// Proxy is one proxy to a Redis server.
type Proxy struct {
	Addr string // where clients connect instead of Redis

	proxy *toxiclient.Proxy

	mu     sync.Mutex
	names  []string   // toxics in place
	active []interval // when toxics were in place
	since  time.Time  // start of the current interval, zero when none is
}

// interval is a span of time, [from, to].
type interval struct{ from, to time.Time }

func (i interval) overlaps(from, to time.Time) bool { return !to.Before(i.from) && !from.After(i.to) }

// Start starts a toxiproxy-server on an ephemeral port of 127.0.0.1 with a
// proxy to upstream, stopped at cleanup.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		// The client's keep-alive connections, which would outlive the test.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	})
	client := toxiclient.NewClient("127.0.0.1:" + strconv.Itoa(port))
	redistest.Eventually(t, 10*time.Second, "toxiproxy-server to answer", func() bool {
		_, err := client.Version()
		return err == nil
	})
	p, err := client.CreateProxy("redis", "127.0.0.1:0", upstream)
	if err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	return &Proxy{Addr: p.Listen, proxy: p}
}

// Toxic is one Toxiproxy toxic. Type is latency, timeout, reset_peer,
// limit_data, bandwidth...; Stream is Upstream or Downstream; Toxicity, the
// share of connections affected, defaults to all. Name defaults to the
// type and stream, and must differ from the names of the toxics in place.
type Toxic struct {
	Name       string
	Type       string
	Stream     string
	Toxicity   float32
	Attributes map[string]int
}

// Add puts toxics in place on every connection, open or new.
func (p *Proxy) Add(t testing.TB, toxics ...Toxic) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tx := range toxics {
		if tx.Toxicity == 0 {
			tx.Toxicity = 1
		}
		attrs := toxiclient.Attributes{}
		for k, v := range tx.Attributes {
			attrs[k] = v
		}
		added, err := p.proxy.AddToxic(tx.Name, tx.Type, tx.Stream, tx.Toxicity, attrs)
		if err != nil {
			t.Fatalf("add toxic %+v: %v", tx, err)
		}
		p.names = append(p.names, added.Name)
	}
	if p.since.IsZero() {
		p.since = time.Now()
	}
}

// Clear removes every toxic: the network is healthy again.
func (p *Proxy) Clear(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, name := range p.names {
		if err := p.proxy.RemoveToxic(name); err != nil {
			t.Fatalf("remove toxic %s: %v", name, err)
		}
	}
	p.names = p.names[:0]
	if !p.since.IsZero() {
		p.active = append(p.active, interval{p.since, time.Now()})
		p.since = time.Time{}
	}
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
