package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sentinel is a master, one replica and three sentinels watching them with
// a quorum of 2, all private processes on loopback ports.
type Sentinel struct {
	// Data holds the master and the replica in start order; which one is
	// master changes on failover (see Master).
	Data      []*Server
	Sentinels []*Server
	name      string
}

// MasterName is the name the sentinels monitor.
const MasterName = "mymaster"

// StartSentinel starts a Sentinel setup, waits until every sentinel sees
// the master, the replica and the other sentinels, and stops it at cleanup.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	s, err := NewSentinel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// NewSentinel starts a Sentinel setup; the caller calls Stop.
func NewSentinel() (*Sentinel, error) {
	s := &Sentinel{name: MasterName}
	fail := func(err error) (*Sentinel, error) {
		s.Stop()
		return nil, err
	}
	// Diskless sync without delay: the replica is in sync in milliseconds.
	fast := []string{"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"}
	master, err := StartServer(Options{Args: fast})
	if err != nil {
		return fail(err)
	}
	s.Data = append(s.Data, master)
	replica, err := StartServer(Options{Args: append(fast, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))})
	if err != nil {
		return fail(err)
	}
	s.Data = append(s.Data, replica)
	// Sentinels learn the replica from the master's first INFO, so start
	// them once the replica is attached.
	if err := waitFor(10*time.Second, func(ctx context.Context) error {
		return replicaInSync(ctx, replica)
	}); err != nil {
		return fail(fmt.Errorf("redistest: replica %s did not sync: %w: %s", replica.Addr, err, replica.logTail()))
	}
	if s.Sentinels, err = startSentinels(s.name, master.Port, 3); err != nil {
		return fail(err)
	}
	if err := s.WaitReady(20 * time.Second); err != nil {
		return fail(err)
	}
	return s, nil
}

func replicaInSync(ctx context.Context, s *Server) error {
	cl := s.client()
	defer cl.Close()
	link, err := Info(ctx, cl, "replication", "master_link_status")
	if err != nil {
		return err
	}
	if link != "up" {
		return fmt.Errorf("master_link_status:%s", link)
	}
	return nil
}

func (s *Server) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second, PoolSize: 1})
}

// startSentinels runs n redis-server --sentinel processes, each with a
// config file of its own (sentinel mode needs one and rewrites it) that
// names the others as known sentinels: left to find each other they would
// wait for the first hello message, which Redis sends 2 s after it starts
// watching a master. A port taken between FreePort and the start makes
// them all start again on new ports, since their configs name each other.
func startSentinels(name string, masterPort, n int) ([]*Server, error) {
	var err error
	for try := 0; try < 5; try++ {
		var sns []*Server
		if sns, err = trySentinels(name, masterPort, n); err == nil {
			return sns, nil
		}
	}
	return nil, err
}

func trySentinels(name string, masterPort, n int) ([]*Server, error) {
	sns := make([]*Server, 0, n)
	ids := make([]string, n)
	fail := func(err error) ([]*Server, error) {
		for _, sn := range sns {
			sn.Stop()
		}
		return nil, err
	}
	for i := range ids {
		dir, err := os.MkdirTemp("", "redistest-sentinel-*")
		if err != nil {
			return fail(err)
		}
		sns = append(sns, &Server{Dir: dir, ownDir: true})
		if sns[i].Port, err = FreePort(); err != nil {
			return fail(err)
		}
		id := make([]byte, 20)
		_, _ = rand.Read(id)            // never fails (crypto/rand)
		ids[i] = hex.EncodeToString(id) // a run id is 40 hex digits
	}
	for i, sn := range sns {
		conf := fmt.Sprintf(`port %d
bind 127.0.0.1
protected-mode no
daemonize no
dir %s
logfile redis.log
sentinel myid %s
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 5000
sentinel parallel-syncs %s 1
`, sn.Port, sn.Dir, ids[i], name, masterPort, name, name, name)
		for j, other := range sns {
			if j != i {
				conf += fmt.Sprintf("sentinel known-sentinel %s 127.0.0.1 %d %s\n", name, other.Port, ids[j])
			}
		}
		path := filepath.Join(sn.Dir, "sentinel.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			return fail(err)
		}
		sn.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(sn.Port))
		if err := sn.spawn([]string{path, "--sentinel"}); err != nil {
			return fail(err)
		}
	}
	// All spawned before any is waited for, so that they come up together:
	// a sentinel dials its peers at once, and one whose dial was refused
	// because the peer was not listening yet tries again a second later.
	for _, sn := range sns {
		if err := sn.awaitUp([]string{"--sentinel"}); err != nil {
			return fail(err)
		}
	}
	return sns, nil
}

// startWith starts redis-server with args and waits until it answers.
func (s *Server) startWith(args ...string) error {
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	if err := s.spawn(args); err != nil {
		return err
	}
	return s.awaitUp(args)
}

// awaitUp waits until the spawned server answers, or kills it.
func (s *Server) awaitUp(args []string) error {
	err := waitFor(10*time.Second, func(ctx context.Context) error {
		select {
		case <-s.exited:
			return errExited
		default:
		}
		return s.ping()
	})
	if err != nil {
		s.Kill()
		return fmt.Errorf("redistest: redis-server %v on %s: %w: %s", args, s.Addr, err, s.logTail())
	}
	return nil
}

var errExited = errors.New("process exited")

// waitFor polls check until it returns nil, an errExited, or timeout.
func waitFor(timeout time.Duration, check func(ctx context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := check(ctx)
		cancel()
		if err == nil || errors.Is(err, errExited) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitReady waits until every sentinel sees a master it considers up, a
// replica that is up, and the other two sentinels with its links to them
// up, so that a failover can be authorised.
func (s *Sentinel) WaitReady(timeout time.Duration) error {
	err := waitFor(timeout, func(ctx context.Context) error {
		for _, sn := range s.Sentinels {
			if err := s.sentinelReady(ctx, sn); err != nil {
				return fmt.Errorf("sentinel %s: %w", sn.Addr, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redistest: sentinels not ready: %w; logs: %s", err, s.logTails())
	}
	return nil
}

func (s *Sentinel) sentinelReady(ctx context.Context, sn *Server) error {
	c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr, MaxRetries: -1, DialTimeout: time.Second, PoolSize: 1})
	defer c.Close()
	m, err := c.Master(ctx, s.name).Result()
	if err != nil {
		return err
	}
	if m["flags"] != "master" {
		return fmt.Errorf("master flags %q", m["flags"])
	}
	reps, err := c.Replicas(ctx, s.name).Result()
	if err != nil {
		return err
	}
	up := 0
	for _, r := range reps {
		if r["flags"] == "slave" && r["master-link-status"] == "ok" {
			up++
		}
	}
	if up == 0 {
		return fmt.Errorf("no replica up among %d", len(reps))
	}
	others, err := c.Sentinels(ctx, s.name).Result()
	if err != nil {
		return err
	}
	linked := 0
	for _, o := range others {
		if o["flags"] == "sentinel" { // not disconnected, not down
			linked++
		}
	}
	if linked < len(s.Sentinels)-1 {
		return fmt.Errorf("linked to %d of %d other sentinels", linked, len(s.Sentinels)-1)
	}
	return nil
}

// SentinelAddrs returns the sentinels' addresses, for REDIS_SENTINEL_ADDRS.
func (s *Sentinel) SentinelAddrs() []string {
	addrs := make([]string, len(s.Sentinels))
	for i, sn := range s.Sentinels {
		addrs[i] = sn.Addr
	}
	return addrs
}

// MasterName returns the monitored master's name, for REDIS_SENTINEL_MASTER.
func (s *Sentinel) MasterName() string { return s.name }

// MasterAddr asks the sentinels for the current master's address.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	var errs []error
	for _, sn := range s.Sentinels {
		if sn.cmd == nil {
			continue
		}
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr, MaxRetries: -1, DialTimeout: time.Second, PoolSize: 1})
		hp, err := c.GetMasterAddrByName(ctx, s.name).Result()
		c.Close()
		if err == nil && len(hp) == 2 {
			return net.JoinHostPort(hp[0], hp[1]), nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("redistest: no sentinel names the master: %w", errors.Join(errs...))
}

// Master returns the data server the sentinels currently name master.
func (s *Sentinel) Master(ctx context.Context) (*Server, error) {
	addr, err := s.MasterAddr(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range s.Data {
		if d.Addr == addr {
			return d, nil
		}
	}
	return nil, fmt.Errorf("redistest: sentinels name %s, which is not ours", addr)
}

// KillMaster SIGKILLs the current master and returns it. The sentinels
// notice after 1 s and promote the replica a moment later.
func (s *Sentinel) KillMaster() (*Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := s.Master(ctx)
	if err != nil {
		return nil, err
	}
	m.Kill()
	return m, nil
}

// Stop kills every process and removes their directories.
func (s *Sentinel) Stop() {
	for _, sn := range s.Sentinels {
		sn.Stop()
	}
	for _, d := range s.Data {
		d.Stop()
	}
}

func (s *Sentinel) logTails() string {
	var out string
	for _, p := range append(append([]*Server(nil), s.Sentinels...), s.Data...) {
		out += fmt.Sprintf("[%s: %s] ", p.Addr, p.logTail())
	}
	return out
}
