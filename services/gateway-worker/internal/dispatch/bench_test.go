package dispatch_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// benchParallelism gives the concurrency of the dispatch workload of
// bench/cmd/gwbench: 25 goroutines per core on its 2-core machine.
const benchParallelism = 25

// ok answers 200 at once, as the dispatch workload's receiver does.
func ok(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }

func benchOrder() map[string]interface{} {
	return map[string]interface{}{
		"order_id": "12345", "user_id": "67890", "type": "payment_reminder", "message": "请及时完成支付", "amount": 299.99,
	}
}

// BenchmarkClientLoop is the limit BenchmarkDeliver is held against: a
// plain keep-alive client POSTing the same body to the same receiver.
func BenchmarkClientLoop(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(ok))
	defer srv.Close()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 1024
	client := &http.Client{Transport: t}
	defer client.CloseIdleConnections()
	body := []byte(`{"amount":299.99,"message":"请及时完成支付","order_id":"12345","type":"payment_reminder","user_id":"67890"}`)
	b.ReportAllocs()
	b.SetParallelism(benchParallelism)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

// BenchmarkDeliver is one delivery by the handler a routed topic runs,
// metrics included, without the queue around it.
func BenchmarkDeliver(b *testing.B) {
	for _, tc := range []struct {
		name    string
		secrets []string
	}{{"unsigned", nil}, {"signed", []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(ok))
			defer srv.Close()
			routes, err := dispatch.ParseRoutes(dispatch.YAMLRoutes, []dispatch.RawRoute{
				{Topic: "bench", URL: srv.URL + "/hook", SigningSecrets: tc.secrets}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			d, err := dispatch.New(dispatch.Config{Routes: routes, Hooks: dispatch.NewMetrics([]string{"bench"})}, nil, logger.Nop())
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			handle := d.Handler("bench")
			b.ReportAllocs()
			b.SetParallelism(benchParallelism)
			b.RunParallel(func(pb *testing.PB) {
				msg := &redis.Message{ID: "01JD8X3ZQ4M5N6P7R8S9T0V1W2", Topic: "bench", Attempt: 1, Data: benchOrder()}
				for pb.Next() {
					if err := handle(context.Background(), msg); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
