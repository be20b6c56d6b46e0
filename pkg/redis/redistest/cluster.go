package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of private redis-server processes on loopback
// ports, built with redis-cli --cluster create.
type Cluster struct {
	// Nodes in the order they were started. Roles change on failover; ask
	// Masters or Role for the current ones.
	Nodes []*ClusterNode
}

// ClusterNode is one server of a Cluster.
type ClusterNode struct {
	*Server
	ID string // the node id CLUSTER MYID reports
}

// clusterArgs make failover fast: a node is considered failed after 1 s
// without an answer (a loopback node answers in well under a millisecond,
// even on a loaded machine), and a replica may always take over (validity
// factor 0); its election then starts 0.5 to 1 s later, a fixed delay. The
// promotion comes 2 to 3 s after a kill. Diskless sync without delay gets
// replicas in sync in milliseconds instead of 5 s.
var clusterArgs = []string{
	"--cluster-enabled", "yes",
	"--cluster-config-file", "nodes.conf",
	"--cluster-node-timeout", "1000",
	"--cluster-replica-validity-factor", "0",
	"--repl-diskless-sync", "yes",
	"--repl-diskless-sync-delay", "0",
}

// StartCluster starts a cluster of masters masters with replicasPerMaster
// replicas each, waits until it is healthy and stops it at cleanup.
func StartCluster(t testing.TB, masters, replicasPerMaster int) *Cluster {
	t.Helper()
	c, err := NewCluster(masters, replicasPerMaster)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// startClusterNode starts one cluster-enabled server. The bus port defaults
// to port+10000, which may be taken or beyond 65535, so a free one is
// picked explicitly; free a moment ago is no promise when many servers
// start at once, so a node that could not bind it tries again with
// another, as StartServer does for the client port.
func startClusterNode() (*Server, error) {
	var err error
	for try := 0; try < 5; try++ {
		var bus int
		if bus, err = FreePort(); err != nil {
			return nil, err
		}
		var s *Server
		if s, err = StartServer(Options{Args: slices.Concat(clusterArgs, []string{"--cluster-port", strconv.Itoa(bus)})}); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// NewCluster starts a cluster and waits until every node reports
// cluster_state:ok with all slots covered and every replica is in sync.
// The caller calls Stop.
func NewCluster(masters, replicasPerMaster int) (*Cluster, error) {
	if masters < 3 {
		return nil, fmt.Errorf("redistest: a cluster needs at least 3 masters, not %d", masters)
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		return nil, fmt.Errorf("redistest: redis-cli not found in PATH: %w", err)
	}
	c := &Cluster{}
	n := masters * (1 + replicasPerMaster)
	type result struct {
		node *ClusterNode
		err  error
	}
	results := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			s, err := startClusterNode()
			results <- result{node: &ClusterNode{Server: s}, err: err}
		}()
	}
	var errs []error
	for i := 0; i < n; i++ {
		r := <-results
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		c.Nodes = append(c.Nodes, r.node)
	}
	if err := errors.Join(errs...); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.create(replicasPerMaster); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) create(replicas int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		cl := n.client()
		id, err := cl.ClusterMyID(ctx).Result()
		cl.Close()
		if err != nil {
			return fmt.Errorf("redistest: CLUSTER MYID on %s: %w", n.Addr, err)
		}
		n.ID = id
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	cmd := exec.CommandContext(ctx, "redis-cli", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("redistest: redis-cli --cluster create: %w: %s", err, tail(out.String(), 10))
	}
	if err := c.WaitHealthy(20 * time.Second); err != nil {
		return fmt.Errorf("%w (redis-cli said: %s)", err, tail(out.String(), 5))
	}
	return nil
}

// Addrs returns the addresses of all nodes, for REDIS_CLUSTER_ADDRS.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// Client returns a cluster client, closed at cleanup.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// Alive reports whether the node's process is running.
func (n *ClusterNode) Alive() bool { return n.cmd != nil }

// Role returns "master" or "slave" as the node itself reports it now.
func (n *ClusterNode) Role(ctx context.Context) (string, error) {
	cl := n.client()
	defer cl.Close()
	return Info(ctx, cl, "replication", "role")
}

// Masters returns the live nodes that are masters now, in start order.
func (c *Cluster) Masters(ctx context.Context) ([]*ClusterNode, error) {
	var out []*ClusterNode
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		role, err := n.Role(ctx)
		if err != nil {
			return nil, fmt.Errorf("redistest: role of %s: %w", n.Addr, err)
		}
		if role == "master" {
			out = append(out, n)
		}
	}
	return out, nil
}

// WaitHealthy waits until every live node reports cluster_state:ok, all
// 16384 slots are served by live masters, and every live replica's link to
// its master is up.
func (c *Cluster) WaitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = c.healthy(); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: cluster not healthy after %v: %w; logs: %s", timeout, last, c.logTails())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) healthy() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	live := 0
	for _, n := range c.Nodes {
		if n.Alive() {
			live++
		}
	}
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		cl := n.client()
		err := nodeHealthy(ctx, cl, live)
		cl.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr, err)
		}
	}
	return nil
}

func nodeHealthy(ctx context.Context, cl *redis.Client, live int) error {
	info, err := cl.ClusterInfo(ctx).Result()
	if err != nil {
		return err
	}
	for _, want := range []string{"cluster_state:ok", "cluster_slots_ok:16384"} {
		if !strings.Contains(info, want+"\r\n") {
			return fmt.Errorf("CLUSTER INFO lacks %s", want)
		}
	}
	// Every live node must know every other live one, or a failover
	// could not gather its votes. Nodes marked failed are still listed.
	nodes, err := cl.ClusterNodes(ctx).Result()
	if err != nil {
		return err
	}
	known := 0
	for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) > 7 && !strings.Contains(f[2], "fail") && f[7] == "connected" {
			known++
		}
	}
	if known < live {
		return fmt.Errorf("sees %d of %d live nodes connected", known, live)
	}
	role, err := Info(ctx, cl, "replication", "role")
	if err != nil {
		return err
	}
	if role == "slave" {
		if link, _ := Info(ctx, cl, "replication", "master_link_status"); link != "up" {
			return fmt.Errorf("replica link is %q", link)
		}
	}
	return nil
}

// Stop kills every node and removes their directories.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		n.Stop()
	}
}

func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, n := range c.Nodes {
		fmt.Fprintf(&b, "[%s: %s] ", n.Addr, n.logTail())
	}
	return b.String()
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, " | ")
}

// AssertNoCrossSlot fails the test if any live node ever answered CROSSSLOT
// (INFO errorstats): an operation whose keys span slots would work on one
// node and break on a cluster.
func (c *Cluster) AssertNoCrossSlot(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		stats, err := n.Client(t).Info(ctx, "errorstats").Result()
		if err != nil {
			t.Errorf("INFO errorstats on %s: %v", n.Addr, err)
			continue
		}
		if strings.Contains(stats, "errorstat_CROSSSLOT") {
			t.Errorf("node %s answered CROSSSLOT: %s", n.Addr, stats)
		}
	}
}
