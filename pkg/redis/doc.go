// Package redis is Gateway Worker's message queue: services publish JSON
// messages to named topics, immediately or after a delay, and workers
// consume them with handlers, with retries, dead letters and crash recovery.
//
// # Publishing and consuming
//
//	cfg := config.New()
//	redisConfig := cfg.GetRedisConfig()
//	m := redis.NewManager(&redisConfig, logger.New("app", "info"))
//	defer m.Close()
//	q := m.GetQueue()
//
//	err := q.Publish(ctx, "order.reminder", map[string]interface{}{"order_id": "12345"})
//	err = q.PublishWithDelay(ctx, "order.reminder", data, 24*time.Hour)
//
//	// Blocks until ctx is cancelled, then shuts down gracefully.
//	err = q.Subscribe(ctx, "order.reminder", func(ctx context.Context, msg *redis.Message) error {
//		return remind(ctx, msg.Data["order_id"])
//	}, redis.WithConcurrency(20))
//
// Message.Data holds what the JSON decodes to, except that numbers are
// json.Number, their exact text: integers keep every digit
// (9007199254740993 stays 9007199254740993), so read them with
// n.(json.Number).Int64() or .String(), or floats with .Float64(), rather
// than asserting float64.
//
// # Periodic messages
//
// Periodic publishes on a cron schedule until its context ends. Run it in
// every replica: each tick is published once across all of them.
//
//	go q.Periodic(ctx, "0 9 * * MON-FRI", "report.daily", map[string]interface{}{"kind": "sales"})
//	go q.Periodic(ctx, "@every 10m", "cache.refresh", nil)
//
// # Guarantees
//
// Delivery is at least once and FIFO per topic; any number of processes may
// consume a topic. A handler error or panic retries the message with
// exponential backoff and jitter (3 retries by default, see WithMaxRetries
// and WithBackoff), then moves it to the topic's dead letters with the last
// error. SkipRetry dead-letters at once; RetryAfter sets the next attempt's
// delay, and a RetryAfterError with NotAnAttempt postpones a message without
// using up an attempt. If a consumer process dies, its
// messages go back to the queue within the recovery window (10s by
// default); a live process keeps its messages however long its handlers run.
// On shutdown, running handlers finish within the shutdown timeout and the
// rest is handed back to the head of the queue. docs/reliability.md states
// all of this precisely.
//
// # Flow control
//
// An operator pauses a topic with Inspector.Pause and resumes it with
// Resume. The flag lives in Redis, so every consumer in every process
// stops starting messages (within milliseconds, through the mq:flow
// pub/sub channel, and at its next fetch in any case) and a paused topic
// stays paused across restarts. Running handlers finish; fetched messages
// not yet started go back to the head of the queue; publishing goes on.
//
// WithRateLimit and WithGlobalConcurrency limit a topic across all its
// consumers in all processes; RetryAfter lets a handler choose its retry's
// delay:
//
//	sms := redis.RateLimit{N: 50, Per: time.Second} // or redis.ParseRateLimit("50/s")
//	err = q.Subscribe(ctx, "sms.send", send, redis.WithRateLimit(sms))
//	err = q.Subscribe(ctx, "payment.capture", capture, redis.WithGlobalConcurrency(5))
//
//	// in a handler, after the provider answered 429 Retry-After: 30
//	return redis.RetryAfter(30*time.Second, err)
//
// What the limits guarantee:
//
//   - Rate limit: tokens are a GCRA bucket in Redis, taken by the fetch
//     script for a whole batch, timed by Redis's own clock (TIME), so the
//     consumers' clocks do not matter. Over any span T after a topic was
//     quiet, at most N×T/Per + Burst messages are fetched; a message starts
//     when a handler is free, with the default prefetch at most about 20ms of
//     handler work after its fetch. Waiting for a token is not an attempt.
//   - A changed limit (a deploy) holds from the first fetch that uses it: a
//     bucket more than one new burst ahead is cut back to it. While old and
//     new consumers run side by side, each fetch obeys its own consumer's
//     limit.
//   - Redis clock jumps: a jump forward grants at most one extra burst; a
//     jump back withholds at most one burst, the next token still comes
//     within Per/N.
//   - Failover to a replica that missed the last writes may grant again the
//     tokens of those writes, and at most one burst more if the replica's
//     clock is ahead; the limit holds again from there.
//   - Global concurrency: a slot is held from fetch to settle, so at most n
//     messages are held (running, or fetched for a free handler) at once;
//     consumers with the limit do not prefetch. A freed slot wakes waiting
//     consumers through mq:flow; if that announcement is lost they look
//     again after half the recovery window. The slots of a consumer that
//     died come back with its messages, within the recovery window. After a
//     failover that lost writes, slot counts are corrected at each
//     consumer's next settle. Consumers of one topic must agree on the
//     limit; one without it neither takes nor counts slots.
//   - RetryAfter(d, err) schedules the retry d later instead of after the
//     backoff. It counts as an attempt; a *RetryAfterError with NotAnAttempt
//     set postpones the message without using one up.
//
// A topic without limits pays nothing for them: the pause check is one
// EXISTS inside the fetch script, no extra round trip, and an idle topic
// costs what it did.
//
// # Redis layout
//
// A topic's backlog is the list mq:<topic>, so LLEN mq:<topic> counts its
// pending messages. All its other keys are named {mq:<topic>}:<suffix> and
// share its Redis Cluster slot. Entries are JSON envelopes documented in
// docs/wire-format.md; another language can publish with a plain
// LPUSH mq:<topic> '{"data":{...}}'.
//
// # Inside a consumer
//
// Each Subscribe call is one consumer (consumer.go) made of parts that each
// run one loop in a file of their own: the fetcher takes entries from Redis
// (fetcher.go), the runner decodes them and calls the handler (runner.go),
// the settler acknowledges, retries and dead-letters (settler.go), the
// leaser renews the consumer's lease and recovers dead consumers' messages
// (leaser.go), and the promoter moves due delayed messages to the queue
// (promoter.go). All of them time their loops on one local clock
// (clock.go) that tests replace with a fake one, write times to Redis on
// Redis's own clock (redisclock.go), so hosts whose clocks disagree still
// agree on leases and due times, and build keys only with internal/keys.
//
// # Operations
//
// Manager.Inspector reports counts per topic; pauses and resumes topics;
// lists, requeues (by id with RequeueDead, or all with RequeueAllDead) and
// purges dead letters; lists pending, delayed and in-flight messages a page
// (offset, limit) at a time; and deletes waiting ones or runs delayed ones
// now. Counts are int64. Its
// errors tell apart a broken topic (ErrWrongType: a key of the topic holds
// another kind of value), Redis not answering (ErrRedisTimeout) and an
// operation slower than the caller's deadline (context.DeadlineExceeded);
// StatsOf and AllStats report a broken topic in its TopicStats.Error and
// keep the others' counts. ObservePublishes, WithObserver and
// WithWaitObserver feed metrics.
// Idempotent is middleware that skips message ids already handled.
// WithPublishMiddleware wraps publishes, as WithMiddleware wraps handlers;
// package redisotel uses both to trace messages with OpenTelemetry.
//
// A process may subscribe to thousands of topics. Past 32 subscriptions
// (WithSharedFetchAbove) they share one lease and one sweeper that watches
// the idle topics for all of them, so an idle topic costs no connection and
// almost no commands (docs/scaling.md, "Many topics"); a Redis Cluster
// keeps a connection per subscription.
package redis
