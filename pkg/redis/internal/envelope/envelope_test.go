package envelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"goweb/pkg/redis/internal/envelope/envelopetest"
)

// TestDecodeKeepsNumbers checks that numbers reach the handler as their
// exact text: integers past 2^53 and at the int64/uint64 bounds keep every
// digit, floats keep their spelling.
func TestDecodeKeepsNumbers(t *testing.T) {
	t.Parallel()
	for _, n := range []string{
		"9007199254740993", "18446744073709551615", "-9223372036854775808", "9223372036854775807",
		"0", "-0", "299.99", "1e400", "-1.5E-7", "0.1000000000000000055511151231257827",
	} {
		e, err := Decode([]byte(`{"id":"n","data":{"n":` + n + `,"nested":[{"m":` + n + `}]}}`))
		if err != nil {
			t.Fatalf("Decode(%s): %v", n, err)
		}
		if got := e.Data["n"]; got != json.Number(n) {
			t.Errorf("Data[n] = %#v, want json.Number(%q)", got, n)
		}
		nested := e.Data["nested"].([]interface{})[0].(map[string]interface{})["m"]
		if nested != json.Number(n) {
			t.Errorf("nested = %#v, want json.Number(%q)", nested, n)
		}
		// What the admin API lists is the same text again.
		out, err := json.Marshal(e.Data)
		if err != nil || !strings.Contains(string(out), `"n":`+n) {
			t.Errorf("re-encoded data = %s, %v; want %s kept", out, err, n)
		}
	}
}

// TestRequeuedKeepsEntries covers issue 10's corruption: a dead letter of
// {"id":"pay-78"} became {"id":"pay-78","ts":0,"data":} after a requeue.
// An invalid entry is refused with the reason; a valid one is kept byte for
// byte, or loses only its attempt count and error, once.
func TestRequeuedKeepsEntries(t *testing.T) {
	t.Parallel()
	for entry, reason := range map[string]string{
		`{"id":"pay-78"}`:              `"data" is missing or null`,
		`{"id":"pay-78","data":"x"}`:   `"data" must be a JSON object, not string`,
		`not json`:                     "not valid JSON",
		`{"id":"","data":{}}`:          `"id" must be 1 to`,
		`{"id":"a","data":{},"ts":-1}`: `"ts" must not be negative`,
	} {
		out, err := Requeued([]byte(entry))
		if out != nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), reason) {
			t.Errorf("Requeued(%s) = %q, %v; want it refused: %s", entry, out, err, reason)
		}
	}
	for _, entry := range []string{
		`{"id":"p1","ts":5,"data":{"n":9007199254740993}}`,
		`{"id": "huge1", "data": {"a": [1, 2.50]}, "extra": true}`,
		`{"data":{}}`,
	} {
		out, err := Requeued([]byte(entry))
		if err != nil || string(out) != entry {
			t.Errorf("Requeued(%s) = %s, %v; want it byte for byte", entry, out, err)
		}
	}
	// No "ts" is added where there was none, and no other member is lost.
	for entry, want := range map[string]string{
		`{"id": "pyd", "attempt": 3, "error": "e", "data": {"k": 1}}`:     `{"id": "pyd","data": {"k": 1}}`,
		`{"attempt":1,"data":{},"extra":[1, 2],"error":"x","headers":{}}`: `{"data":{},"extra":[1, 2],"headers":{}}`,
	} {
		out, err := Requeued([]byte(entry))
		if err != nil || string(out) != want {
			t.Errorf("Requeued(%s) = %s, %v; want %s", entry, out, err, want)
		}
	}
	retried := `{"id":"a \"q\"","ts":7,"attempt":3,"headers":{"h":"v"},"error":"boom","data":{"n": 18446744073709551615}}`
	out, err := Requeued([]byte(retried))
	want := `{"id":"a \"q\"","ts":7,"headers":{"h":"v"},"data":{"n": 18446744073709551615}}`
	if err != nil || string(out) != want {
		t.Fatalf("Requeued(retried) = %s, %v; want %s", out, err, want)
	}
}

// FuzzRequeued requeues any entry many times, as a dead letter that dies
// again unchanged would be: it is refused with ErrInvalid, or every requeue
// after the first returns the same bytes, and the message (id, ts,
// headers, data) is never changed.
func FuzzRequeued(f *testing.F) {
	for _, s := range envelopetest.RequeueSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, entry []byte) {
		first, err := Requeued(entry)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || first != nil {
				t.Fatalf("refusal %q, %v is not a bare ErrInvalid", first, err)
			}
			return
		}
		before, _ := Decode(entry)
		after, err := Decode(first)
		if err != nil {
			t.Fatalf("requeued %q as %q, which does not decode: %v", entry, first, err)
		}
		if after.ID != before.ID || after.TS != before.TS || !reflect.DeepEqual(after.Data, before.Data) ||
			len(after.Headers) != len(before.Headers) || (len(after.Headers) > 0 && !reflect.DeepEqual(after.Headers, before.Headers)) {
			t.Fatalf("requeue changed the message: %q -> %q", entry, first)
		}
		if after.Attempt != 0 || after.Error != "" {
			t.Fatalf("requeued %q kept attempt %d, error %q", first, after.Attempt, after.Error)
		}
		again := first
		for range 3 {
			if again, err = Requeued(again); err != nil || !bytes.Equal(again, first) {
				t.Fatalf("requeue of %q gave %q, %v; want it byte for byte", first, again, err)
			}
		}
	})
}

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
		out.Data["order_id"] != "12345" || out.Data["amount"] != json.Number("299.99") {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestDecodeMinimal(t *testing.T) {
	t.Parallel()
	e, err := Decode([]byte(`{"data":{"a":1}}`))
	if err != nil || e.ID != "" || e.Attempt != 0 || e.Data["a"] != json.Number("1") {
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
	if !bytes.HasPrefix(out, []byte(`{"id":"a \"b\"",`)) {
		t.Errorf("Retried = %s; want the id first, where the fetch script looks", out)
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

// FuzzDecodeString checks that DecodeString, which lends the string's
// bytes to the decoder, answers as Decode does and leaves them as they were.
func FuzzDecodeString(f *testing.F) {
	for _, s := range []string{`{"data":{}}`, `{"id":"a","headers":{"h":"v"},"data":{"x":[1,"y"]}}`, `{"data":[1]}`, `not json`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, entry []byte) {
		s := string(entry)
		got, gotErr := DecodeString(s)
		if s != string(entry) {
			t.Fatalf("DecodeString changed its input %q to %q", entry, s)
		}
		want, wantErr := Decode(entry)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("DecodeString error %v, Decode error %v", gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeString = %+v, Decode = %+v", got, want)
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

// The fast decoding must be the one in use: a go-json upgrade that moves
// its use-number flag must not silently fall back to the stream decoder.
func TestUseNumberFlagFound(t *testing.T) {
	if useNumber == nil {
		t.Fatal("no go-json DecodeOption flag decodes numbers as json.Number; Decode fell back to the slow stream decoder")
	}
}
