package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// replicaAck measures what redis.WithReplicaAck(1, ...) costs: publish
// throughput, single and batched, with and without waiting for one
// replica, in the same run. It starts a private replica of the benchmark's
// Redis on this machine, so the WAIT round trip is a local one: a replica
// across a network adds its round trip to every publish.
func (e *env) replicaAck() ([]result.Metric, error) {
	host, port, err := net.SplitHostPort(e.addr)
	if err != nil {
		return nil, err
	}
	replica, err := redistest.StartServer(redistest.Options{Args: []string{"--replicaof", host, port, "--save", "", "--appendonly", "no"}})
	if err != nil {
		return nil, err
	}
	defer replica.Stop()
	if err := waitInSync(replica); err != nil {
		return nil, err
	}
	n := e.size(20000, 5000)
	topics := []string{"bench-replica-ack"}
	m, err := e.warmManager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	q := m.GetQueue()
	ack := redis.WithReplicaAck(1, time.Second)
	var out []result.Metric
	for _, run := range []struct {
		name string
		opts []redis.PublishOption
		pub  func(*redis.RedisQueue, int, []string, ...redis.PublishOption) (time.Duration, error)
		note string
	}{
		{"replica_ack_single_msgs_per_s", nil, publish, "no WAIT"},
		{"replica_ack_single_wait1_msgs_per_s", []redis.PublishOption{ack}, publish, "WithReplicaAck(1, 1s), local replica"},
		{"replica_ack_batch_msgs_per_s", nil, publishBatch, fmt.Sprintf("PublishBatch, %d per call, no WAIT", batchSize)},
		{"replica_ack_batch_wait1_msgs_per_s", []redis.PublishOption{ack}, publishBatch, fmt.Sprintf("PublishBatch, %d per call, WithReplicaAck(1, 1s), local replica", batchSize)},
	} {
		took, err := run.pub(q, n, topics, run.opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", run.name, err)
		}
		if err := e.flush(); err != nil {
			return nil, err
		}
		log.Printf("replica-ack: %s %.0f msg/s (%s)", run.name, rate(n, took), run.note)
		out = append(out, result.Metric{Name: run.name, Value: rate(n, took), Unit: "msg/s", Note: run.note})
	}
	return out, nil
}

// waitInSync waits until the replica's link to its master is up.
func waitInSync(s *redistest.Server) error {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr})
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		v, err := redistest.Info(ctx, c, "replication", "master_link_status")
		cancel()
		if err == nil && v == "up" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replica %s did not sync within 30s (link %q, %v)", s.Addr, v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
