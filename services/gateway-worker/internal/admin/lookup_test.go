package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
)

// Ids that a path cannot carry as they are (browsers resolve "." and ".."
// segments, "%2E%2E" too, and "/", "?" and "#" end a segment) are found
// with the id in the query.
func TestLookupAnyID(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	ids := []string{".", "..", "a/b", "%2E%2E", "?x#y", "../../v1/redis"}
	for _, id := range ids {
		if _, err := b.m.GetQueue().Enqueue(context.Background(), b.topic, map[string]any{"id": id}, redis.WithID(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		r := b.do(t, http.MethodGet, b.path("/messages:lookup?id="+url.QueryEscape(id)), "", token)
		var doc struct {
			Topic, State string
			Message      struct {
				ID   string
				Data map[string]string
			}
		}
		r.json(t, &doc)
		if r.code != http.StatusOK || doc.Topic != b.topic || doc.State != "pending" || doc.Message.ID != id || doc.Message.Data["id"] != id {
			t.Errorf("lookup of %q: %d %s", id, r.code, r.body)
		}
	}

	for target, want := range map[string]string{
		"":                                `id: give one id, as ?id= (URL-encoded); got 0`,
		"?state=pending":                  `id: give one id, as ?id= (URL-encoded); got 0`,
		"?id=a&id=b":                      `id: give one id, as ?id= (URL-encoded); got 2`,
		"?id=":                            `id: must be 1 to 256 printable ASCII bytes`,
		"?id=a%20b":                       `id: must be 1 to 256 printable ASCII bytes`,
		"?id=" + strings.Repeat("x", 257): `id: must be 1 to 256 printable ASCII bytes`,
	} {
		r := b.do(t, http.MethodGet, b.path("/messages:lookup"+target), "", token)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, want) {
			t.Errorf("lookup%s: %d %s, want 400 %q", target, r.code, r.body, want)
		}
	}
	if r := b.do(t, http.MethodGet, b.path("/messages:lookup?id=..%2Fnone"), "", token); r.code != http.StatusNotFound ||
		!strings.Contains(r.body, `"id: no message ../none among the first 10000`) {
		t.Errorf("lookup of an unknown id: %d %s", r.code, r.body)
	}
	if r := b.do(t, http.MethodGet, "/v1/topics/bad!topic/messages:lookup?id=x", "", token); r.code != http.StatusBadRequest || !strings.Contains(r.body, "topic") {
		t.Errorf("lookup in a bad topic: %d %s", r.code, r.body)
	}
	if r := b.do(t, http.MethodPost, b.path("/messages:lookup?id=x"), "", token); r.code != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
		t.Errorf("POST lookup: %d %v %s", r.code, r.header, r.body)
	}
	// The path route cannot carry "..": the path is not clean.
	if r := b.do(t, http.MethodGet, b.path("/messages/.."), "", token); r.code != http.StatusNotFound {
		t.Errorf("GET .../messages/..: %d %s", r.code, r.body)
	}
}
