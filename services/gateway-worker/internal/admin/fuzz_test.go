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
	path := "/v1/topics/" + redistest.Topic(f) + suffix
	fuzzRequest(f, func(body []byte) *http.Request {
		return httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	})
}

// fuzzRequest sends the request build makes of each input and checks the
// answer as fuzzBody says.
func fuzzRequest(f *testing.F, build func(in []byte) *http.Request) {
	m := servicetest.Manager(f, servicetest.Redis.Addr)
	h := admin.New(m, admin.Options{Token: token, MaxBatch: 50})
	f.Fuzz(func(t *testing.T, in []byte) {
		req := build(in)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", in, rec.Code, rec.Body)
		}
		var doc struct{ Error *string }
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("%q: %d, not JSON: %q", in, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && (doc.Error == nil || *doc.Error == "") {
			t.Fatalf("%q: %d without an error message: %s", in, rec.Code, rec.Body)
		}
	})
}

// FuzzTopicsQuery: any query of GET /v1/topics (q, sort, offset, limit,
// spark) is answered, or refused naming the parameter.
func FuzzTopicsQuery(f *testing.F) {
	for _, seed := range []string{"", "q=orders&sort=-pending&offset=0&limit=50&spark=30", "sort=dead_total&limit=1000", "q=%ff&spark=60", "limit=0", "sort=-"} {
		f.Add([]byte(seed))
	}
	fuzzRequest(f, func(in []byte) *http.Request {
		req := httptest.NewRequest(http.MethodGet, "/v1/topics", nil)
		req.URL.RawQuery = string(in)
		return req
	})
}

// FuzzMessageID: any id in GET /v1/topics/{topic}/messages/{id}, any query
// of GET .../messages:lookup, and any minutes of a history.
func FuzzMessageID(f *testing.F) {
	for _, seed := range []string{"m-1", "a%20b", "%7B%7D", "x", "minutes=1440", "minutes=-1", "id=..", "id=%2E%2E&id=a", "id=%3Fx%23y"} {
		f.Add([]byte(seed))
	}
	path := "/v1/topics/" + redistest.Topic(f)
	fuzzRequest(f, func(in []byte) *http.Request {
		req := httptest.NewRequest(http.MethodGet, path+"/history", nil)
		switch {
		case len(in) > 0 && in[0]%3 == 0: // a third of the inputs as an id in the path
			req = httptest.NewRequest(http.MethodGet, path+"/messages/x", nil)
			req.URL.Path, req.URL.RawPath = path+"/messages/"+string(in), ""
		case len(in) > 0 && in[0]%3 == 1: // a third as the lookup's query
			req = httptest.NewRequest(http.MethodGet, path+"/messages:lookup", nil)
			req.URL.RawQuery = string(in)
		default:
			req.URL.RawQuery = string(in)
		}
		return req
	})
}

func FuzzPublishBody(f *testing.F) { fuzzBody(f, "/messages") }
func FuzzBatchBody(f *testing.F)   { fuzzBody(f, "/messages:batch") }
func FuzzRequeueBody(f *testing.F) { fuzzBody(f, "/dead/requeue") }
func FuzzDeleteBody(f *testing.F)  { fuzzBody(f, "/messages:delete") }
func FuzzRunBody(f *testing.F)     { fuzzBody(f, "/delayed:run") }
