package cli

import (
	"encoding/json"
	"errors"
	"testing"

	"goweb/services/gateway-worker/internal/strictjson"
)

// decodeData accepts exactly the JSON objects and never panics.
func FuzzDecodeData(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"n":12345678901234567890}`, `[]`, `"x"`, `{"a":`, `{"a":1,"a":2}`, `{"a":1e400}`, `{} {}`, ``, ` {"a":[1,{"b":null}]} `, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, err := decodeData(b)
		var v any
		valid := json.Unmarshal(b, &v) == nil
		_, isObject := v.(map[string]any)
		var refused *strictjson.Error // a key twice, as the admin API refuses it
		switch {
		case err == nil && (!valid || !isObject):
			t.Fatalf("accepted %q, which is not one JSON object", b)
		case err == nil && data == nil:
			t.Fatalf("accepted %q with nil data", b)
		case err != nil && valid && isObject && !errors.As(err, &refused):
			t.Fatalf("refused the object %q: %v", b, err)
		case err != nil && valid && !isObject && !errors.Is(err, ErrNotObject):
			t.Fatalf("refused valid JSON %q that is not an object with %v, want ErrNotObject", b, err)
		}
	})
}
