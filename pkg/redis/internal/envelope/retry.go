package envelope

import (
	"bytes"
	stdjson "encoding/json"
	"slices"
	"strings"

	json "github.com/goccy/go-json"
)

// Retried returns entry rewritten for its next attempt: attempt set, error
// set to errText, id, ts, headers and data kept ("data" byte for byte, so
// numbers are not reformatted). entry must be a valid envelope.
func Retried(entry []byte, attempt int, errText string) ([]byte, error) {
	var w struct {
		ID      string            `json:"id"`
		TS      int64             `json:"ts"`
		Headers map[string]string `json:"headers"`
		Data    json.RawMessage   `json:"data"`
	}
	if err := json.Unmarshal(entry, &w); err != nil {
		return nil, &DecodeError{Reason: describeJSONError(err)}
	}
	if _, err := decodeData(w.Data); err != nil {
		return nil, err
	}
	e := &Envelope{ID: w.ID, TS: w.TS, Attempt: attempt, Headers: w.Headers, Error: errText}
	return Encode(make([]byte, 0, len(entry)+len(errText)+32), e, w.Data), nil
}

// Requeued returns a dead letter's entry as it is published again: the
// entry itself, byte for byte, when it has no "attempt" and no "error"
// member; otherwise the entry without them (so its attempts start over),
// every other member kept byte for byte and none added (an entry without
// "ts" gets none). Requeued of its own result returns
// that result unchanged, so an entry survives any number of requeues.
//
// An entry that is not a valid envelope is refused with a *DecodeError
// saying why: requeued, it could only be dead-lettered again.
func Requeued(entry []byte) ([]byte, error) {
	if _, err := Decode(entry); err != nil {
		return nil, err
	}
	var w struct {
		Attempt json.RawMessage `json:"attempt"`
		Error   json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(entry, &w); err != nil {
		return nil, &DecodeError{Reason: describeJSONError(err)}
	}
	if w.Attempt == nil && w.Error == nil {
		return entry, nil
	}
	return withoutMembers(entry, "attempt", "error")
}

// withoutMembers returns the JSON object entry without its members named
// in drop; the others keep their bytes and order, the blanks between
// members are dropped.
func withoutMembers(entry []byte, drop ...string) ([]byte, error) {
	dec := stdjson.NewDecoder(bytes.NewReader(entry))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, &DecodeError{Reason: describeJSONError(err)}
	}
	out := append(make([]byte, 0, len(entry)), '{')
	for dec.More() {
		start := dec.InputOffset()
		key, err := dec.Token()
		if err != nil {
			return nil, &DecodeError{Reason: describeJSONError(err)}
		}
		var value stdjson.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, &DecodeError{Reason: describeJSONError(err)}
		}
		// The decoder matches member names without regard to case
		// ("Attempt" is read as attempt), so the drop does too.
		if name, _ := key.(string); slices.ContainsFunc(drop, func(d string) bool { return strings.EqualFold(d, name) }) {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		member := bytes.TrimLeft(entry[start:dec.InputOffset()], " \t\r\n,")
		out = append(out, member...)
	}
	return append(out, '}'), nil
}
