package cli

import (
	"encoding/json"
	"errors"
	"testing"
)

// decodeData accepts exactly the JSON objects and never panics.
func FuzzDecodeData(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"n":12345678901234567890}`, `[]`, `"x"`, `{"a":`, `{} {}`, ``, ` {"a":[1,{"b":null}]} `, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, err := decodeData(b)
		var v any
		valid := json.Unmarshal(b, &v) == nil
		_, isObject := v.(map[string]any)
		switch {
		case err == nil && (!valid || !isObject):
			t.Fatalf("accepted %q, which is not one JSON object", b)
		case err == nil && data == nil:
			t.Fatalf("accepted %q with nil data", b)
		case err != nil && valid && isObject:
			t.Fatalf("refused the object %q: %v", b, err)
		case err != nil && valid && !errors.Is(err, ErrNotObject):
			t.Fatalf("refused valid JSON %q that is not an object with %v, want ErrNotObject", b, err)
		}
	})
}
