package dispatch_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// TestShutdownMidRequest: at shutdown a running request finishes within
// the shutdown timeout and is acknowledged; one that does not is cancelled
// and its message goes back to the queue, no attempt counted.
func TestShutdownMidRequest(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		answerAfter time.Duration
		processed   int64
		pending     int64
	}{
		"finishes within the timeout": {answerAfter: 200 * time.Millisecond, processed: 1},
		"outlasts the timeout":        {answerAfter: 10 * time.Second, pending: 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			started := make(chan struct{}, 1)
			b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
				started <- struct{}{}
				select {
				case <-time.After(tc.answerAfter):
				case <-r.Context().Done():
				}
			})
			d, err := dispatch.New(dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}}, b.m.Client(), logger.Nop())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			b.publish(t, map[string]interface{}{"n": 1})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- b.q.Subscribe(ctx, b.topic, d.Handler(b.topic), redis.WithShutdownTimeout(time.Second))
			}()
			select {
			case <-started:
			case <-time.After(20 * time.Second):
				t.Fatal("no request")
			}
			cancel() // SIGTERM
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			s := b.stats(t)
			if s.Processed != tc.processed || s.Pending != tc.pending || s.Failed != 0 || s.InFlight != 0 || s.Dead != 0 {
				t.Errorf("after shutdown: %+v", s)
			}
		})
	}
}
