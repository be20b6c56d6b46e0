package envelope

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	in := &Envelope{ID: "abc123", TS: 1764172800000, Attempt: 2, Headers: map[string]string{"k": "v"}, Error: `bad "thing"`}
	entry := Encode(nil, in, []byte(`{"order_id":"12345","amount":299.99}`))
	if !strings.HasPrefix(string(entry), IDPrefix) {
		t.Fatalf("entry %s does not start with %s", entry, IDPrefix)
	}
	if !json.Valid(entry) {
		t.Fatalf("invalid JSON: %s", entry)
	}
	out, err := Decode(entry)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != in.ID || out.TS != in.TS || out.Attempt != 2 || out.Headers["k"] != "v" || out.Error != in.Error ||
		out.Data["order_id"] != "12345" || out.Data["amount"] != 299.99 {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestDecodeMinimal(t *testing.T) {
	t.Parallel()
	e, err := Decode([]byte(`{"data":{"a":1}}`))
	if err != nil || e.ID != "" || e.Attempt != 0 || e.Data["a"] != 1.0 {
		t.Fatalf("Decode minimal = %+v, %v", e, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for entry, want := range map[string]string{
		``:                    "not valid JSON",
		`[]`:                  "not valid JSON",
		`"x"`:                 "not valid JSON",
		`{"data":1}`:          `"data" must be a JSON object, not number`,
		`{"id":"","data":{}}`: `"id" must be 1 to`,
		`{"id":"` + strings.Repeat("x", 300) + `","data":{}}`: `"id" must be 1 to`,
		`{"data":{},"ts":-1}`:           `"ts" must not be negative`,
		`{"data":{},"attempt":-2}`:      `"attempt" must not be negative`,
		`{"data":{},"headers":{"a":1}}`: `field "headers`,
		`{"data":{}`:                    "not valid JSON",
	} {
		_, err := Decode([]byte(entry))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%.40q) = %v, want an error containing %q", entry, err, want)
		}
	}
}

func TestRetriedKeepsDataBytes(t *testing.T) {
	t.Parallel()
	entry := Encode(nil, &Envelope{ID: "x1", TS: 5}, []byte(`{"big":12345678901234567890}`))
	out, err := Retried(entry, 3, "oops")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"data":{"big":12345678901234567890}`) || !strings.Contains(string(out), `"attempt":3`) {
		t.Fatalf("Retried = %s", out)
	}
	e, err := Decode(out)
	if err != nil || e.ID != "x1" || e.TS != 5 || e.Error != "oops" {
		t.Fatalf("decode retried: %+v %v", e, err)
	}
}

func TestRetriedEscapesForeignIDs(t *testing.T) {
	t.Parallel()
	out, err := Retried([]byte(`{"id":"a \"b\"","data":{}}`), 1, "e")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Decode(out)
	if err != nil || e.ID != `a "b"` {
		t.Fatalf("got %+v, %v from %s", e, err, out)
	}
}

// FuzzDecode feeds arbitrary entries to the decoder: it must never panic,
// and whatever it accepts must survive a retry rewrite unchanged in meaning.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"data":{}}`, `{"id":"a","ts":1,"attempt":2,"headers":{"h":"v"},"error":"e","data":{"x":[1,{"y":null}]}}`,
		`{"id":"g1",}`, `not json`, `{"data":[1]}`, `{"id":"a","id":"b","data":{}}`, "\x00\xff", `{"data":{"s":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, entry []byte) {
		e, err := Decode(entry)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if e.Data == nil {
			t.Fatal("accepted an entry without data")
		}
		out, err := Retried(entry, e.Attempt+1, "x")
		if err != nil {
			t.Fatalf("Retried of an accepted entry: %v", err)
		}
		e2, err := Decode(out)
		if err != nil {
			t.Fatalf("retried entry %q does not decode: %v", out, err)
		}
		if e2.ID != e.ID || e2.Attempt != e.Attempt+1 || len(e2.Data) != len(e.Data) {
			t.Fatalf("retry changed the message: %+v -> %+v", e, e2)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	data := []byte(`{"amount":299.99,"message":"请及时完成支付","order_id":"12345","type":"payment_reminder","user_id":"67890"}`)
	e := &Envelope{ID: "abcdefgh12", TS: 1764172800000}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = Encode(buf[:0], e, data)
	}
}

func BenchmarkDecode(b *testing.B) {
	entry := Encode(nil, &Envelope{ID: "abcdefgh12", TS: 1764172800000},
		[]byte(`{"amount":299.99,"message":"请及时完成支付","order_id":"12345","type":"payment_reminder","user_id":"67890"}`))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(entry); err != nil {
			b.Fatal(err)
		}
	}
}
