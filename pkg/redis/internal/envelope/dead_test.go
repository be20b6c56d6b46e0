package envelope

import (
	"encoding/json"
	"testing"
)

// FuzzDeadRecord stores any entry in a dead-letter record and reads it
// back: the entry comes back byte for byte, also when it is not valid
// UTF-8, which a JSON string alone turned into U+FFFD ("\x00\xff" came back
// as "\x00\uFFFD", and a requeue published that instead of the entry).
func FuzzDeadRecord(f *testing.F) {
	for _, s := range []string{`{"id":"a","data":{}}`, "\x00\xff", `{"data":{"s":"` + "\xc3" + `"}}`, "", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		rec := EncodeDead(&DeadRecord{ID: "x", Reason: "r", Attempt: 1, FailedAt: 2, Entry: entry})
		if !json.Valid(rec) {
			t.Fatalf("record %q is not JSON", rec)
		}
		got, err := DecodeDead(rec)
		if err != nil || got.Entry != entry || got.ID != "x" || got.EntryBytes != nil {
			t.Fatalf("record %s read back as %+v, %v; want entry %q", rec, got, err, entry)
		}
	})
}
