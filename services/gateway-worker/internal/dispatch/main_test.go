package dispatch_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/dispatch"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	servicetest.Main(m)
}

// bundle is a topic on the package's Redis and a receiver for its route.
type bundle struct {
	ctx   context.Context
	m     *redis.Manager
	q     *redis.RedisQueue
	topic string
	recv  *receiver

	children int // dispatch processes started
}

func setup(t *testing.T) *bundle {
	t.Helper()
	m := servicetest.Manager(t, servicetest.Redis.Addr)
	b := &bundle{ctx: servicetest.Ctx(t), m: m, q: m.GetQueue(), topic: redistest.Topic(t), recv: &receiver{}}
	srv := httptest.NewServer(b.recv)
	t.Cleanup(srv.Close)
	b.recv.url = srv.URL
	return b
}

// testEnv is the environment routes in tests see.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{"DISPATCH_TEST_TOKEN": "s3cret-token"}[name]
	return v, ok
}

// route returns a valid route of the bundle's topic to the receiver,
// changed by edit.
func (b *bundle) route(t *testing.T, edit func(*dispatch.RawRoute)) dispatch.Route {
	t.Helper()
	raw := dispatch.RawRoute{Topic: b.topic, URL: b.recv.url + "/hook"}
	if edit != nil {
		edit(&raw)
	}
	routes, err := dispatch.ParseRoutes(dispatch.YAMLRoutes, []dispatch.RawRoute{raw}, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	return routes[0]
}

// start runs a dispatcher for cfg over the bundle's topic until the test
// ends, with fast retries unless opts say otherwise.
func (b *bundle) start(t *testing.T, cfg dispatch.Config, opts ...redis.SubscribeOption) *dispatch.Dispatcher {
	t.Helper()
	d, err := dispatch.New(cfg, b.m.Client(), logger.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts = append([]redis.SubscribeOption{redis.WithMaxRetries(5), redis.WithBackoff(redis.ConstantBackoff(20 * time.Millisecond))}, opts...)
	go func() { done <- b.q.Subscribe(ctx, b.topic, d.Handler(b.topic), opts...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return d
}

func (b *bundle) publish(t *testing.T, data map[string]interface{}, opts ...redis.PublishOption) {
	t.Helper()
	if err := b.q.Publish(b.ctx, b.topic, data, opts...); err != nil {
		t.Fatal(err)
	}
}

func (b *bundle) stats(t *testing.T) *redis.TopicStats {
	t.Helper()
	s, err := b.m.Inspector().Stats(b.ctx, b.topic)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	servicetest.Eventually(t, 20*time.Second, what, cond)
}

// request is what the receiver saw.
type request struct {
	at     time.Time
	header http.Header
	body   []byte
	method string
	path   string
}

// receiver records requests and answers with answer (200 when nil).
type receiver struct {
	url    string
	mu     sync.Mutex
	reqs   []request
	answer func(n int, w http.ResponseWriter, r *http.Request) // n counts requests from 1
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, request{at: time.Now(), header: r.Header.Clone(), body: body, method: r.Method, path: r.URL.Path})
	n, answer := len(rc.reqs), rc.answer
	rc.mu.Unlock()
	if answer != nil {
		answer(n, w, r)
	}
}

func (rc *receiver) set(answer func(n int, w http.ResponseWriter, r *http.Request)) {
	rc.mu.Lock()
	rc.answer = answer
	rc.mu.Unlock()
}

func (rc *receiver) all() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

func (rc *receiver) count() int { return len(rc.all()) }
