package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
)

// A listing carries a bounded preview of a big message (its entry cut at
// a UTF-8 boundary, its data left out), ?full=true all of it; the lookup
// answers it whole, and with its ETag only 304.
func TestListPreviewsBigMessages(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	big := strings.Repeat("é", 500*1024) // about 1 MB of two-byte runes
	ctx := context.Background()
	if _, err := b.m.GetQueue().Enqueue(ctx, b.topic, map[string]any{"blob": big}, redis.WithID("big-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.GetQueue().Enqueue(ctx, b.topic, map[string]any{"n": 1}, redis.WithID("small-1")); err != nil {
		t.Fatal(err)
	}
	type item struct {
		ID        string
		Data      map[string]any
		Entry     string
		Truncated bool
		Size      int
	}
	list := func(query string) []item {
		r := b.do(t, http.MethodGet, b.path("/messages?state=pending"+query), "", token)
		var doc struct{ Messages []item }
		r.json(t, &doc)
		if len(doc.Messages) != 2 {
			t.Fatalf("list%s: %d %.300s", query, r.code, r.body)
		}
		if query == "" && len(r.body) >= 10<<10 {
			t.Errorf("the list is %d bytes, want < 10 KB", len(r.body))
		}
		return doc.Messages
	}
	ms := list("")
	if m := ms[0]; !m.Truncated || m.Data != nil || len(m.Entry) > admin.PreviewBytes || !utf8.ValidString(m.Entry) || m.Size <= 1000000 {
		t.Errorf("the big message's preview: truncated %v, data %v, entry %d bytes (valid UTF-8 %v), size %d",
			m.Truncated, m.Data != nil, len(m.Entry), utf8.ValidString(m.Entry), m.Size)
	}
	if m := ms[1]; m.Truncated || m.Data["n"] != float64(1) || m.Size != 0 {
		t.Errorf("the small message is listed as it is: %+v", m)
	}
	if m := list("&full=true")[0]; m.Truncated || m.Data["blob"] != big {
		t.Errorf("full=true: truncated %v, data of %d bytes", m.Truncated, len(m.Data["blob"].(string)))
	}
	if r := b.do(t, http.MethodGet, b.path("/messages?full=yes"), "", token); r.code != http.StatusBadRequest || !strings.Contains(r.body, `full: \"yes\" is not true or false`) {
		t.Errorf("full=yes: %d %s", r.code, r.body)
	}

	r := b.do(t, http.MethodGet, b.path("/messages:lookup?id=big-1"), "", token)
	tag := r.header.Get("ETag")
	if r.code != http.StatusOK || !strings.Contains(r.body, big) || tag == "" {
		t.Fatalf("lookup: %d, %d bytes, ETag %q", r.code, len(r.body), tag)
	}
	req := httptest.NewRequest(http.MethodGet, b.path("/messages:lookup?id=big-1"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-None-Match", tag)
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("lookup with its ETag: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
