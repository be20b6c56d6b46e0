package admin_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/servicetest"
)

// fuzzBody posts arbitrary bytes to path (under a topic of the fuzz run's
// own) against a real Redis: the answer is never a 5xx and always a JSON
// document, an error message with every 4xx. A panic fails the run by
// itself. The seed corpus is in testdata/fuzz/<target>.
func fuzzBody(f *testing.F, suffix string) {
	m := servicetest.Manager(f, servicetest.Redis.Addr)
	h := admin.New(m, admin.Options{Token: token, MaxBatch: 50})
	path := "/v1/topics/" + redistest.Topic(f) + suffix
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		var doc struct{ Error *string }
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("%q: %d, not JSON: %q", body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && (doc.Error == nil || *doc.Error == "") {
			t.Fatalf("%q: %d without an error message: %s", body, rec.Code, rec.Body)
		}
	})
}

func FuzzPublishBody(f *testing.F) { fuzzBody(f, "/messages") }
func FuzzBatchBody(f *testing.F)   { fuzzBody(f, "/messages:batch") }
func FuzzRequeueBody(f *testing.F) { fuzzBody(f, "/dead/requeue") }
func FuzzDeleteBody(f *testing.F)  { fuzzBody(f, "/messages:delete") }
func FuzzRunBody(f *testing.F)     { fuzzBody(f, "/delayed:run") }
