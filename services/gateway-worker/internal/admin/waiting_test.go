package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestWaitingMessages(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	for _, body := range []string{
		`{"id":"p1","data":{"n":1}}`, `{"id":"p2","data":{"n":2}}`,
		`{"id":"d1","data":{},"delay":"1h"}`, `{"id":"d2","data":{},"delay":"2h"}`, `{"id":"d3","data":{},"delay":"3h"}`,
	} {
		if r := b.do(t, http.MethodPost, b.path("/messages"), body, token); r.code != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", body, r.code, r.body)
		}
	}
	list := func(query string) (int, []string, int64) {
		t.Helper()
		r := b.do(t, http.MethodGet, b.path("/messages"+query), "", token)
		var doc struct {
			Total    int64                 `json:"total"`
			Messages []redis.QueuedMessage `json:"messages"`
		}
		if r.code == http.StatusOK {
			r.json(t, &doc)
		}
		ids := []string{}
		for _, m := range doc.Messages {
			ids = append(ids, m.ID)
		}
		return r.code, ids, doc.Total
	}
	if code, ids, total := list(""); code != 200 || strings.Join(ids, ",") != "p1,p2" || total != 2 {
		t.Errorf("pending: %d %v total %d", code, ids, total)
	}
	if code, ids, total := list("?state=delayed&offset=1&limit=5"); code != 200 || strings.Join(ids, ",") != "d2,d3" || total != 3 {
		t.Errorf("delayed page: %d %v total %d", code, ids, total)
	}

	if r := b.do(t, http.MethodGet, b.path("/messages?state=in_flight&offset=5"), "", token); r.code != 200 ||
		!strings.Contains(r.body, `"state":"in_flight","total":0,"offset":5,"limit":50,"messages":[]`) {
		t.Errorf("in flight, nothing taken: %d %s", r.code, r.body)
	}
	if r := b.do(t, http.MethodPost, b.path("/messages:delete"), `{"state":"pending","ids":["p1","nope"]}`, token); r.code != 200 || r.body != `{"deleted":1}`+"\n" {
		t.Errorf("delete pending: %d %s", r.code, r.body)
	}
	if r := b.do(t, http.MethodPost, b.path("/messages:delete"), `{"state":"delayed","ids":["d3"]}`, token); r.code != 200 || r.body != `{"deleted":1}`+"\n" {
		t.Errorf("cancel delayed: %d %s", r.code, r.body)
	}
	if r := b.do(t, http.MethodPost, b.path("/delayed:run"), `{"ids":["d1"]}`, token); r.code != 200 || r.body != `{"moved":1}`+"\n" {
		t.Errorf("run delayed: %d %s", r.code, r.body)
	}
	if _, ids, _ := list(""); strings.Join(ids, ",") != "p2,d1" {
		t.Errorf("pending after the changes: %v", ids)
	}
	if _, ids, _ := list("?state=delayed"); strings.Join(ids, ",") != "d2" {
		t.Errorf("delayed after the changes: %v", ids)
	}

	for _, c := range []struct{ method, path, body, want string }{
		{http.MethodGet, "/messages?state=dead", "", `state: \"dead\" is not pending, delayed or in_flight`},
		{http.MethodGet, "/messages?state=in_flight&offset=100001", "", "offset: at most 100000"},
		{http.MethodGet, "/messages?limit=0", "", "limit"},
		{http.MethodGet, "/messages?offset=-1", "", "offset"},
		{http.MethodPost, "/messages:delete", `{"state":"pending","ids":[]}`, "ids: required"},
		{http.MethodPost, "/messages:delete", `{"ids":["p2"]}`, `state: \"\" is not pending or delayed`},
		{http.MethodPost, "/messages:delete", `{"state":"pending","ids":[""]}`, "ids[0]"},
		{http.MethodPost, "/messages:delete", `{"state":"pending","ids":["p2"],"extra":1}`, "extra"},
		{http.MethodPost, "/delayed:run", `{"state":"pending","ids":["p2"]}`, "only delayed"},
		{http.MethodPost, "/delayed:run", `not json`, ""},
	} {
		r := b.do(t, c.method, b.path(c.path), c.body, token)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
			t.Errorf("%s %s %s: %d %s, want 400 with %q", c.method, c.path, c.body, r.code, r.body, c.want)
		}
	}
	if s := b.stats(t); s.Pending != 2 || s.Delayed != 1 {
		t.Errorf("bad requests changed the topic: %+v", s)
	}
}

func TestInFlightListing(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	release := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- b.m.GetQueue().Subscribe(ctx, b.topic, func(context.Context, *redis.Message) error {
			<-release
			return nil
		}, redis.WithConcurrency(2))
	}()
	defer func() {
		close(release)
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for _, id := range []string{"i1", "i2"} {
		if r := b.do(t, http.MethodPost, b.path("/messages"), `{"id":"`+id+`","data":{}}`, token); r.code != http.StatusCreated {
			t.Fatalf("publish: %d %s", r.code, r.body)
		}
	}
	var doc struct {
		Total    int64                   `json:"total"`
		Messages []redis.InFlightMessage `json:"messages"`
	}
	servicetest.Eventually(t, 10*time.Second, "two messages in flight", func() bool {
		b.do(t, http.MethodGet, b.path("/messages?state=in_flight"), "", token).json(t, &doc)
		return doc.Total == 2 && len(doc.Messages) == 2
	})
	if m := doc.Messages[0]; m.ID != "i1" || m.Consumer == "" || m.LeaseExpiry.IsZero() || doc.Messages[1].ID != "i2" {
		t.Errorf("in flight: %+v", doc.Messages)
	}
	b.do(t, http.MethodGet, b.path("/messages?state=in_flight&offset=1&limit=5"), "", token).json(t, &doc)
	if len(doc.Messages) != 1 || doc.Messages[0].ID != "i2" {
		t.Errorf("in flight from offset 1: %+v", doc.Messages)
	}
}

// A message whose data is {} lists it: data is a field of every message.
func TestEmptyDataIsListed(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	if r := b.do(t, http.MethodPost, b.path("/messages"), `{"data":{},"id":"e1"}`, token); r.code != http.StatusCreated {
		t.Fatalf("publish: %d %s", r.code, r.body)
	}
	r := b.do(t, http.MethodGet, b.path("/messages"), "", token)
	if r.code != http.StatusOK || !strings.Contains(r.body, `"id":"e1","data":{}`) {
		t.Errorf("%d %s, want data {} listed", r.code, r.body)
	}
}
