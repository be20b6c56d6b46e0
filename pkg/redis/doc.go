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
// (promoter.go). All of them read time from one clock (clock.go) that tests
// replace with a fake one, and build keys only with internal/keys.
//
// # Operations
//
// Manager.Inspector reports counts per topic; lists, requeues (by id with
// RequeueDead, or all with RequeueAllDead) and purges dead letters; lists
// pending, delayed and in-flight messages a page (offset, limit) at a time;
// and deletes waiting ones or runs delayed ones now. Counts are int64. Its
// errors tell apart a broken topic (ErrWrongType: a key of the topic holds
// another kind of value), Redis not answering (ErrRedisTimeout) and an
// operation slower than the caller's deadline (context.DeadlineExceeded);
// StatsOf and AllStats report a broken topic in its TopicStats.Error and
// keep the others' counts. ObservePublishes and WithObserver feed metrics.
// Idempotent is middleware that skips message ids already handled.
// WithPublishMiddleware wraps publishes, as WithMiddleware wraps handlers;
// package redisotel uses both to trace messages with OpenTelemetry.
package redis
