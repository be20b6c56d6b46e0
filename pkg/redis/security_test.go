package redis_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

const (
	adminPassword = "adm1n-S3cret-pw"
	queuePassword = "qu3ue-S3cret-pw"
)

// roundTrip publishes one immediate, one delayed and one failing message
// through m and checks that the first two are handled and the third is
// dead-lettered: the whole command set the queue uses, end to end.
func roundTrip(t *testing.T, m *redis.Manager) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	q := m.GetQueue()
	topic := redistest.Topic(t)
	var handled atomic.Int32
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- q.Subscribe(sctx, topic, func(_ context.Context, msg *redis.Message) error {
			if msg.Data["fail"] == true {
				return redis.SkipRetry(errors.New("refused on purpose"))
			}
			handled.Add(1)
			return nil
		}, redis.WithRecoveryWindow(time.Second))
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Subscribe: %v", err)
		}
	}()
	if err := q.Publish(ctx, topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := q.PublishWithDelay(ctx, topic, map[string]interface{}{"n": 2}, 100*time.Millisecond); err != nil {
		t.Fatalf("PublishWithDelay: %v", err)
	}
	if err := q.PublishBatch(ctx, topic, []map[string]interface{}{{"fail": true}}); err != nil {
		t.Fatalf("PublishBatch: %v", err)
	}
	eventually(t, 10*time.Second, "both messages and the dead letter", func() bool {
		s, err := m.Inspector().Stats(ctx, topic)
		return err == nil && handled.Load() == 2 && s.Dead == 1
	})
	dead, err := m.Inspector().DeadLetters(ctx, topic, 0, 10)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].Reason, "refused on purpose") {
		t.Fatalf("DeadLetters = %+v, %v", dead, err)
	}
	if _, err := m.Inspector().Topics(ctx); err != nil {
		t.Fatalf("Topics: %v", err)
	}
}

func managerFor(t *testing.T, cfg config.RedisConfig, log logger.Logger) *redis.Manager {
	t.Helper()
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = time.Second
	}
	m := redis.NewManager(&cfg, log)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestPasswordAuth(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--requirepass", queuePassword)
	host, port := splitAddr(t, srv.Addr)
	roundTrip(t, managerFor(t, config.RedisConfig{Host: host, Port: port, Password: queuePassword}, nil))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for name, pw := range map[string]string{"wrong password": "not-" + queuePassword, "no password": ""} {
		err := managerFor(t, config.RedisConfig{Host: host, Port: port, Password: pw}, nil).Ping(ctx)
		if err == nil {
			t.Fatalf("%s: Ping succeeded", name)
		}
		if !strings.Contains(err.Error(), "WRONGPASS") && !strings.Contains(err.Error(), "NOAUTH") {
			t.Errorf("%s: error %q does not say authentication failed", name, err)
		}
		if strings.Contains(err.Error(), queuePassword) {
			t.Errorf("%s: error %q contains the password", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

// A user holding only redistest.QueueACL can do everything the queue does,
// and nothing outside its keys.
func TestACLUser(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--requirepass", adminPassword)
	admin := goredis.NewClient(&goredis.Options{Addr: srv.Addr, Password: adminPassword})
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := redistest.SetQueueUser(ctx, admin, "gw", queuePassword); err != nil {
		t.Fatal(err)
	}
	host, port := splitAddr(t, srv.Addr)
	m := managerFor(t, config.RedisConfig{Host: host, Port: port, Username: "gw", Password: queuePassword}, nil)
	roundTrip(t, m)

	// Requeueing and purging dead letters work too.
	topic := redistest.Topic(t)
	if err := m.GetQueue().Publish(ctx, topic, map[string]interface{}{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Inspector().RequeueAllDead(ctx, topic); err != nil {
		t.Errorf("RequeueAllDead: %v", err)
	}
	if _, err := m.Inspector().PurgeDead(ctx, topic); err != nil {
		t.Errorf("PurgeDead: %v", err)
	}
	// So do flow control: pause, resume, and a consumer with both limits.
	if err := m.Inspector().Pause(ctx, topic); err != nil {
		t.Errorf("Pause: %v", err)
	}
	if err := m.Inspector().Resume(ctx, topic); err != nil {
		t.Errorf("Resume: %v", err)
	}
	var limited atomic.Int32
	subscribeOn(t, ctx, m.GetQueue(), topic, func(context.Context, *redis.Message) error { limited.Add(1); return nil },
		redis.WithRateLimit(redis.RateLimit{N: 100, Per: time.Second}), redis.WithGlobalConcurrency(2))
	if err := m.GetQueue().Publish(ctx, topic, map[string]interface{}{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a message on the limited topic", func() bool { return limited.Load() >= 1 })
	// Outside its keys and commands the user is refused.
	for name, err := range map[string]error{
		"other key":     m.Client().Set(ctx, "session:1", "x", 0).Err(),
		"read other":    m.Client().Get(ctx, "session:1").Err(),
		"flushall":      m.Client().FlushAll(ctx).Err(),
		"config":        m.Client().ConfigGet(ctx, "requirepass").Err(),
		"other channel": m.Client().Publish(ctx, "other", "x").Err(),
	} {
		if err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("%s: got %v, want NOPERM", name, err)
		}
	}
	wrong := managerFor(t, config.RedisConfig{Host: host, Port: port, Username: "gw", Password: "wrong"}, nil)
	if err := wrong.Ping(ctx); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("wrong ACL password: Ping = %v, want WRONGPASS", err)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv, files := redistest.StartTLS(t, "--requirepass", queuePassword)
	url := "rediss://:" + queuePassword + "@" + srv.Addr
	roundTrip(t, managerFor(t, config.RedisConfig{URL: url, TLSCAFile: files.CA}, nil))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Without the CA the server's certificate is not trusted. (A dial
	// timeout of 5 s: a TLS handshake under -race on a loaded machine took
	// more than managerFor's 1 s, and the timeout hid the certificate error.)
	err := managerFor(t, config.RedisConfig{URL: url, DialTimeout: 5 * time.Second}, nil).Ping(ctx)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Ping without the CA = %v, want a certificate verification error", err)
	}
	if strings.Contains(err.Error(), queuePassword) {
		t.Errorf("error %q contains the password", err)
	}
	t.Logf("without the CA: %v", err)
	// Plain TCP to a TLS port fails too rather than hanging.
	host, port := splitAddr(t, srv.Addr)
	if err := managerFor(t, config.RedisConfig{Host: host, Port: port, Password: queuePassword, ReadTimeout: time.Second}, nil).Ping(ctx); err == nil {
		t.Error("plain TCP Ping to the TLS port succeeded")
	}
}

// The password appears in no log line and no error, whatever goes wrong.
// go-redis logs through one process-wide logger that the first Manager
// redirects, so the check runs in a child process where its Manager is the
// first.
func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	t.Parallel()
	if os.Getenv("GW_SECRETS_CHILD") != "" {
		checkSecrets(t) // this process is the child
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecretsStayOutOfLogsAndErrors$", "-test.v")
	cmd.Env = append(os.Environ(), "GW_SECRETS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestSecretsStayOutOfLogsAndErrors")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// checkSecrets runs the checks in the child process.
func checkSecrets(t *testing.T) {
	const secret = "Sup3r-S3cret-Passw0rd"
	var buf logBuffer
	log := buf.logger()
	srv := redistest.Start(t, "--requirepass", "the-real-one")
	host, port := splitAddr(t, srv.Addr)
	free, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addrDown := "127.0.0.1:" + itoa(free)
	cfgs := map[string]config.RedisConfig{
		"wrong password":        {Host: host, Port: port, Password: secret},
		"wrong user":            {Host: host, Port: port, Username: "nobody", Password: secret},
		"unreachable":           {Host: "127.0.0.1", Port: free, Password: secret},
		"url, wrong password":   {URL: "redis://:" + secret + "@" + srv.Addr},
		"url, unreachable":      {URL: "redis://user:" + secret + "@" + addrDown + "/0"},
		"url, bad port":         {URL: "redis://user:" + secret + "@127.0.0.1:notaport/0", Password: secret},
		"url, bad db":           {URL: "redis://user:" + secret + "@" + srv.Addr + "/x", Password: secret},
		"rediss, no such CA":    {URL: "rediss://:" + secret + "@" + srv.Addr, TLSCAFile: "/nonexistent/ca.pem"},
		"tls to a plain server": {Host: host, Port: port, Password: secret, TLS: true},
	}
	// The cases share nothing but the logger, and each waits on its
	// timeouts: they run at once.
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for name, cfg := range cfgs {
		wg.Go(func() {
			got := tryWithSecret(t, name, cfg, log)
			mu.Lock()
			errs = append(errs, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	logs := buf.String()
	for _, e := range errs {
		if strings.Contains(e, secret) {
			t.Errorf("error contains the password: %s", e)
		}
	}
	if strings.Contains(logs, secret) {
		t.Errorf("logs contain the password:\n%s", logs)
	}
	// Make sure there was something to check: errors from every case and
	// go-redis' own messages, redirected into this logger.
	if len(errs) < len(cfgs) || !strings.Contains(logs, `"msg":"redis client"`) {
		t.Errorf("expected errors from every case and redirected client logs; got %d errors and logs:\n%s", len(errs), logs)
	}
	t.Logf("%d errors, %d log lines checked", len(errs), strings.Count(logs, "\n"))
}

// tryWithSecret pings, publishes and consumes with cfg, which cannot
// work, and returns the errors it got, each prefixed with name.
func tryWithSecret(t *testing.T, name string, cfg config.RedisConfig, log logger.Logger) []string {
	var errs []string
	cfg.DialTimeout, cfg.ReadTimeout = 300*time.Millisecond, 300*time.Millisecond
	m := redis.NewManager(&cfg, log)
	defer func() { _ = m.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := m.Err(); err != nil {
		errs = append(errs, name+": "+err.Error())
	}
	if err := m.Ping(ctx); err != nil {
		errs = append(errs, name+": "+err.Error())
	} else {
		t.Errorf("%s: Ping succeeded", name)
	}
	if err := m.GetQueue().Publish(ctx, "secrets", map[string]interface{}{}); err != nil {
		errs = append(errs, name+": "+err.Error())
	}
	// A consumer retries and logs for a while.
	sctx, scancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer scancel()
	if err := m.GetQueue().Subscribe(sctx, "secrets", func(context.Context, *redis.Message) error { return nil }); err != nil {
		errs = append(errs, name+": "+err.Error())
	}
	return errs
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n >= 10 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = byte('0' + n)
	return string(b[i:])
}

// Topic names that would reach other keys, slots or commands are refused
// by every entry point, and nothing is written.
func TestTopicCannotInjectKeys(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	host, port := splitAddr(t, srv.Addr)
	m := managerFor(t, config.RedisConfig{Host: host, Port: port}, nil)
	q, in := m.GetQueue(), m.Inspector()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := func(context.Context, *redis.Message) error { return nil }
	for _, topic := range []string{
		"x}:dead", "{mq:x}", "mq:x}:stats", "x{y}", "a b", "x\r\nFLUSHALL", "x\x00y", "x*", "x?", "ü", "",
		strings.Repeat("a", redis.MaxTopicLen+1),
	} {
		for name, err := range map[string]error{
			"Publish":          q.Publish(ctx, topic, map[string]interface{}{}),
			"PublishWithDelay": q.PublishWithDelay(ctx, topic, map[string]interface{}{}, time.Second),
			"PublishBatch":     q.PublishBatch(ctx, topic, []map[string]interface{}{{}}),
			"Subscribe":        q.Subscribe(ctx, topic, h),
			"SubscribeBatch":   q.SubscribeBatch(ctx, topic, func(context.Context, []redis.Message) error { return nil }),
			"Stats":            second(in.Stats(ctx, topic)),
			"DeadLetters":      second(in.DeadLetters(ctx, topic, 0, 1)),
			"RequeueAllDead":   second(in.RequeueAllDead(ctx, topic)),
			"PurgeDead":        second(in.PurgeDead(ctx, topic)),
		} {
			if !errors.Is(err, redis.ErrInvalidTopic) {
				t.Errorf("%s(%q) = %v, want ErrInvalidTopic", name, topic, err)
			}
		}
	}
	if n, err := m.Client().DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("DBSIZE = %d, %v after refused calls; want an empty database", n, err)
	}
}

func second[T any](_ T, err error) error { return err }
