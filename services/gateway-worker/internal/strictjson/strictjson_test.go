package strictjson_test

import (
	"encoding/json"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"goweb/services/gateway-worker/internal/strictjson"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheck(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`{"a":1,"b":[1,2,{"c":1e308}]}`:   "",
		`{"a":1e400}`:                     `a: the number 1e400 is out of the range of a 64-bit float; no consumer could read it`,
		`{"a":1,"a":2}`:                   `data: the key "a" appears twice; give each key once`,
		`{"a":{"b":[0,{"c":1,"c":2}]}}`:   `a.b[1]: the key "c" appears twice; give each key once`,
		`[-1e999]`:                        `data[0]: the number -1e999 is out of the range of a 64-bit float; no consumer could read it`,
		`{"a":{"x":1},"b":{"x":1},"c":1}`: "",
	} {
		err := strictjson.Check([]byte(raw), "data")
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Check(%s) = %q, want %q", raw, got, want)
		}
		var se *strictjson.Error
		if err != nil && !errors.As(err, &se) {
			t.Errorf("Check(%s): %v is not an *Error", raw, err)
		}
	}
}

// Check never panics, refuses no valid document without a reason and
// accepts every document encoding/json writes.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `{"n":1e400}`, `[{"a":[1,2]},3]`, `"x"`, `{"a":`, ``, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := strictjson.Check(b, "body")
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		var se *strictjson.Error
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("valid JSON %q refused without a reason: %v", b, err)
		}
		again, _ := json.Marshal(v)
		if err := strictjson.Check(again, "body"); err != nil {
			t.Fatalf("refused %q, written by encoding/json: %v", again, err)
		}
	})
}
