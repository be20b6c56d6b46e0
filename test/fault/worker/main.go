// Command worker is the consumer process the fault-injection tests start,
// kill and restart. It consumes one topic and appends the id of every
// message its handler finished to a file, one line per message.
//
// Each line is written with one write(2) on an O_APPEND file before the
// handler returns, so it is in the kernel's page cache before the message is
// acknowledged and survives a SIGKILL of the process. A message can
// therefore be recorded and then delivered again (a duplicate), but never
// acknowledged without being recorded.
//
// The handler panics on messages whose data has "panic": true, so the tests
// can mix in messages that always fail.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/test/fault/skew"
)

func main() {
	var (
		addr        = flag.String("addr", "127.0.0.1:6379", "Redis host:port")
		topic       = flag.String("topic", "", "topic to consume")
		out         = flag.String("out", "", "file to append handled message ids to")
		concurrency = flag.Int("concurrency", 10, "handlers run at once")
		recovery    = flag.Duration("recovery", redis.DefaultRecoveryWindow, "recovery window")
		delay       = flag.Duration("delay", 0, "time each handler takes")
		shutdown    = flag.Duration("shutdown", 5*time.Second, "shutdown timeout")
		maxRetries  = flag.Int("max-retries", redis.DefaultMaxRetries, "retries before dead-lettering")
		backoff     = flag.Duration("backoff", 10*time.Millisecond, "constant retry backoff")
		timeout     = flag.Duration("timeout", time.Second, "Redis dial, read and write timeout")
		clockOffset = flag.Duration("clock-offset", 0, "how far this process's clock is wrong (ahead if positive), to simulate clock skew between hosts")
	)
	flag.Parse()
	if err := run(*addr, *topic, *out, *concurrency, *recovery, *delay, *shutdown, *maxRetries, *backoff, *timeout, *clockOffset); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(addr, topic, out string, concurrency int, recovery, delay, shutdown time.Duration, maxRetries int, backoff, timeout, clockOffset time.Duration) error {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	log := logger.NewWithOptions(logger.Options{Name: "fault-worker", Level: "info", Format: "json", Output: os.Stderr})
	m := redis.NewManager(&config.RedisConfig{
		URL:          "redis://" + addr,
		DialTimeout:  timeout,
		ReadTimeout:  timeout,
		WriteTimeout: timeout,
	}, log, redis.WithClock(skew.Clock(clockOffset)))
	defer m.Close()

	handler := func(ctx context.Context, msg *redis.Message) error {
		if p, _ := msg.Data["panic"].(bool); p {
			panic("poison message " + msg.ID)
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		_, err := f.Write([]byte(msg.ID + "\n"))
		return err
	}
	return m.GetQueue().Subscribe(ctx, topic, handler,
		redis.WithConcurrency(concurrency),
		redis.WithRecoveryWindow(recovery),
		redis.WithShutdownTimeout(shutdown),
		redis.WithMaxRetries(maxRetries),
		redis.WithBackoff(redis.ConstantBackoff(backoff)),
	)
}
