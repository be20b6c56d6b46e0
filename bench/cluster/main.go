// Command cluster measures consume throughput of a backlog spread over
// several topics on one redis-server and on a 3-master Redis Cluster, both
// private processes started on loopback ports, and prints msg/s for each.
//
//	go run ./bench/cluster
//	go run ./bench/cluster -topics 12 -messages 60000 -concurrency 50 -runs 3
//
// All servers and the benchmark share one machine, so the cluster's figure
// shows what sharding costs or gains there, not what three machines would do.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

func main() {
	topics := flag.Int("topics", 12, "topics the backlog is spread over")
	messages := flag.Int("messages", 60000, "backlog size, over all topics")
	concurrency := flag.Int("concurrency", 50, "handler goroutines over all topics")
	runs := flag.Int("runs", 3, "runs per target; the median is reported")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench/cluster: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := bench{topics: *topics, messages: *messages, concurrency: *concurrency, runs: *runs}
	if err := b.run(ctx); err != nil {
		log.Print(err)
		stop()
		os.Exit(1)
	}
}

type bench struct {
	topics, messages, concurrency, runs int
}

func (b bench) run(ctx context.Context) error {
	fmt.Printf("consume %d messages over %d topics, WithConcurrency totalling %d; %d runs, median; GOMAXPROCS %d\n",
		b.messages, b.topics, b.concurrency, b.runs, runtime.GOMAXPROCS(0))

	srv, err := redistest.StartServer(redistest.Options{})
	if err != nil {
		return err
	}
	defer srv.Stop()
	cl, err := redistest.NewCluster(3, 0)
	if err != nil {
		return err
	}
	defer cl.Stop()
	targets := []struct {
		name string
		m    *redis.Manager
	}{
		{"1 node", redis.NewManager(&config.RedisConfig{Host: "127.0.0.1", Port: srv.Port}, logger.Nop())},
		{"3-master cluster", redis.NewManager(&config.RedisConfig{ClusterAddrs: cl.Addrs()}, logger.Nop())},
	}
	rates := make([][]float64, len(targets))
	for _, t := range targets {
		defer t.m.Close()
		if err := t.m.Ping(ctx); err != nil {
			return err
		}
	}
	// Runs alternate between the targets, so that load from elsewhere on
	// the machine falls on both alike.
	for run := 0; run < b.runs; run++ {
		for i, t := range targets {
			rate, err := b.once(ctx, t.m, run)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			fmt.Printf("%-17s run %d: %.0f msg/s\n", t.name, run+1, rate)
			rates[i] = append(rates[i], rate)
		}
	}
	fmt.Printf("\n| Target | Consume msg/s, median of %d | Range |\n|---|---|---|\n", b.runs)
	for i, t := range targets {
		slices.Sort(rates[i])
		fmt.Printf("| %s | %.0f | %.0f–%.0f |\n", t.name, median(rates[i]), rates[i][0], rates[i][len(rates[i])-1])
	}
	fmt.Printf("\ncluster / 1 node: %.2f×\n", median(rates[1])/median(rates[0]))
	return nil
}

func median(sorted []float64) float64 { return sorted[len(sorted)/2] }

// once fills a fresh backlog and returns the rate at which it is consumed.
func (b bench) once(ctx context.Context, m *redis.Manager, run int) (float64, error) {
	topics := make([]string, b.topics)
	for i := range topics {
		topics[i] = fmt.Sprintf("bench.cluster.%d.%d.%d", os.Getpid(), run, i)
	}
	if err := b.fill(ctx, m.GetQueue(), topics); err != nil {
		return 0, err
	}
	d, err := b.consume(ctx, m.GetQueue(), topics)
	if err != nil {
		return 0, err
	}
	return float64(b.messages) / d.Seconds(), nil
}

// fill publishes the backlog, spread evenly over topics, in batches.
func (b bench) fill(ctx context.Context, q *redis.RedisQueue, topics []string) error {
	body := map[string]interface{}{"order_id": "ORD-20240101-000001", "user_id": 42, "amount": 99.5}
	per := b.messages / len(topics)
	batch := make([]map[string]interface{}, 1000)
	for i := range batch {
		batch[i] = body
	}
	for i, t := range topics {
		n := per
		if i < b.messages%len(topics) {
			n++
		}
		for n > 0 {
			k := min(n, len(batch))
			if err := q.PublishBatch(ctx, t, batch[:k]); err != nil {
				return err
			}
			n -= k
		}
	}
	return nil
}

// consume subscribes to every topic with the concurrency split between
// them and returns how long the whole backlog took.
func (b bench) consume(ctx context.Context, q *redis.RedisQueue, topics []string) (time.Duration, error) {
	var done atomic.Int64
	all := make(chan struct{})
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(topics))
	start := time.Now()
	for i, t := range topics {
		conc := b.concurrency / len(topics)
		if i < b.concurrency%len(topics) {
			conc++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- q.Subscribe(sctx, t, func(context.Context, *redis.Message) error {
				if done.Add(1) == int64(b.messages) {
					close(all)
				}
				return nil
			}, redis.WithConcurrency(max(conc, 1)))
		}()
	}
	var err error
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		err = fmt.Errorf("timed out with %d of %d consumed", done.Load(), b.messages)
	case <-ctx.Done():
		err = ctx.Err()
	}
	d := time.Since(start)
	cancel()
	wg.Wait()
	close(errs)
	for e := range errs {
		if e != nil && err == nil {
			err = e
		}
	}
	return d, err
}
