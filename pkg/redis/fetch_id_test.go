package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// FuzzFetchKeepsExistingID pushes any entry and takes it with the fetch
// script, as a consumer does: an entry that is a JSON object with a
// top-level "id" (however spaced, ordered, escaped or cased: the decoder
// reads "ID" as the id) comes back byte for byte; any other JSON object
// gets exactly one id, spliced in front.
func FuzzFetchKeepsExistingID(f *testing.F) {
	for _, s := range []string{
		`{"id": "huge1", "data": {}}`, `{"data":{},"id":"late"}`, `{"\u0069d":"esc","data":{}}`, `{"data":{"id":1}}`,
		` { "data" : {} } `, `{"id":"x","data":{}}`, `{"id":null,"data":{}}`, `[1]`, `{"id":`, `not json`, `{"ID":"up","data":{}}`, `{"data":{},"\u0049d":"x"}`,
	} {
		f.Add([]byte(s))
	}
	m := newManager(f, srv.Addr)
	client := m.Client()
	topic := "fuzz.fetch.id"
	k := keys.For(topic)
	pending, claim, inflight, cons := k.Pending(), k.Claim("c1"), k.Inflight("c1"), k.Consumers()
	flow := []string{k.Paused(), k.Rate(), k.Slots()} // no pause, no limits: ARGV[5..7] "0", 0, 0
	f.Fuzz(func(t *testing.T, entry []byte) {
		if len(entry) == 0 {
			return // Redis keeps no empty entry apart from a missing one
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Del(ctx, pending, claim, inflight, cons).Err(); err != nil {
			t.Fatal(err)
		}
		if err := client.LPush(ctx, pending, entry).Err(); err != nil {
			t.Fatal(err)
		}
		lease := time.Now().Add(time.Minute).UnixMilli()
		out, err := scripts.Fetch.Run(ctx, client, append([]string{pending, claim, inflight, cons}, flow...),
			1, lease, "c1", 1, "0", 0, 0).StringSlice()
		if err != nil || len(out) != 3 || out[0] != "" {
			t.Fatalf("fetch = %q, %v", out, err) // status, wait, entry
		}
		got := []byte(out[2])
		if !isObject(entry) {
			return // dead-lettered as invalid either way
		}
		if topLevel(t, entry, "id") > 0 {
			if !bytes.Equal(got, entry) {
				t.Fatalf("entry with an id %q taken as %q", entry, got)
			}
			return
		}
		if n := topLevel(t, got, "id"); n != 1 {
			t.Fatalf("entry %q taken as %q, with %d ids", entry, got, n)
		}
	})
}

// isObject tells whether b is one JSON object.
func isObject(b []byte) bool {
	var members map[string]json.RawMessage
	return json.Unmarshal(b, &members) == nil && members != nil
}

// topLevel counts the top-level members of a JSON object that the decoder
// reads as its member name: name in any case ("ID" is read as the id).
func topLevel(t *testing.T, obj []byte, name string) int {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("%q: %v", obj, err)
	}
	n := 0
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			t.Fatalf("%q: %v", obj, err)
		}
		if k, _ := key.(string); strings.EqualFold(k, name) {
			n++
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("%q: %v", obj, err)
		}
	}
	return n
}
