// Package envelope encodes and decodes the JSON entries stored in a topic's
// Redis list. The format is documented for other languages in
// docs/wire-format.md and docs/envelope.schema.json:
//
//	{"id":"…","ts":1764172800000,"attempt":1,"headers":{"k":"v"},"error":"…","data":{…}}
//
// Only "data" is required; an entry pushed by another language may be just
// {"data":{…}}. "id" comes first in what Encode writes because the fetch
// script recognises an entry that already has an id by that prefix.
package envelope

import (
	"bytes"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"strconv"
)

// IDPrefix is how every entry written by Encode begins. The fetch script
// splices a generated id into entries that do not begin with it.
const IDPrefix = `{"id":"`

// Envelope is one decoded entry.
type Envelope struct {
	ID      string
	TS      int64 // publish time, unix milliseconds
	Attempt int   // deliveries that already failed
	Headers map[string]string
	Error   string // last handler error, set on retried entries
	Data    map[string]interface{}
}

// DecodeError explains why an entry is not a valid envelope. Such entries are
// dead-lettered with Reason.
type DecodeError struct {
	Reason string
}

func (e *DecodeError) Error() string { return "invalid envelope: " + e.Reason }

// ErrInvalid matches every DecodeError with errors.Is.
var ErrInvalid = errors.New("invalid envelope")

// Is reports whether target is ErrInvalid.
func (e *DecodeError) Is(target error) bool { return target == ErrInvalid }

type wire struct {
	ID      *string                `json:"id"`
	TS      *int64                 `json:"ts"`
	Attempt *int                   `json:"attempt"`
	Headers map[string]string      `json:"headers"`
	Error   string                 `json:"error"`
	Data    map[string]interface{} `json:"data"`
}

// MaxIDLen bounds ids, which end up in logs, dead-letter records and
// idempotency markers.
const MaxIDLen = 256

// Decode parses entry. It never panics; anything but a JSON object with a
// "data" object, an optional non-empty string id of at most MaxIDLen bytes,
// and well-typed optional fields is a *DecodeError.
func Decode(entry []byte) (*Envelope, error) {
	var w wire
	if err := json.Unmarshal(entry, &w); err != nil {
		return nil, &DecodeError{Reason: describeJSONError(err)}
	}
	if w.Data == nil {
		return nil, &DecodeError{Reason: `"data" is missing or null`}
	}
	e := &Envelope{Headers: w.Headers, Error: w.Error, Data: w.Data}
	if w.ID != nil {
		if *w.ID == "" || len(*w.ID) > MaxIDLen {
			return nil, &DecodeError{Reason: fmt.Sprintf(`"id" must be 1 to %d bytes`, MaxIDLen)}
		}
		e.ID = *w.ID
	}
	if w.TS != nil {
		if *w.TS < 0 {
			return nil, &DecodeError{Reason: `"ts" must not be negative`}
		}
		e.TS = *w.TS
	}
	if w.Attempt != nil {
		if *w.Attempt < 0 {
			return nil, &DecodeError{Reason: `"attempt" must not be negative`}
		}
		e.Attempt = *w.Attempt
	}
	return e, nil
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field == "data" {
		return fmt.Sprintf(`"data" must be a JSON object, not %s`, typeErr.Value)
	}
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("field %q: cannot use JSON %s as %s", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	return "not valid JSON: " + err.Error()
}

// Encode appends the entry for e to dst. data is the JSON of e.Data, already
// marshalled by the caller (so a batch can report which item failed); e.Data
// is ignored.
func Encode(dst []byte, e *Envelope, data []byte) []byte {
	dst = append(dst, IDPrefix...)
	dst = append(dst, e.ID...) // ids are validated to need no escaping
	dst = append(dst, `","ts":`...)
	dst = strconv.AppendInt(dst, e.TS, 10)
	if e.Attempt > 0 {
		dst = append(dst, `,"attempt":`...)
		dst = strconv.AppendInt(dst, int64(e.Attempt), 10)
	}
	if len(e.Headers) > 0 {
		h, _ := json.Marshal(e.Headers) // map[string]string always marshals
		dst = append(dst, `,"headers":`...)
		dst = append(dst, h...)
	}
	if e.Error != "" {
		msg, _ := json.Marshal(e.Error) // a string always marshals
		dst = append(dst, `,"error":`...)
		dst = append(dst, msg...)
	}
	dst = append(dst, `,"data":`...)
	dst = append(dst, bytes.TrimSpace(data)...)
	return append(dst, '}')
}

// IDNeedsNoEscaping reports whether id can be written into JSON verbatim and
// used in a Redis key suffix: printable ASCII other than quote, backslash,
// braces and space.
func IDNeedsNoEscaping(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

// DeadRecord is a dead letter as stored in a topic's dead set.
type DeadRecord struct {
	ID       string `json:"id,omitempty"`
	Reason   string `json:"reason"`
	Attempt  int    `json:"attempt"`
	FailedAt int64  `json:"failed_at"` // unix milliseconds
	Entry    string `json:"entry"`     // the entry exactly as it was taken, to requeue it
}

// EncodeDead returns the JSON of r.
func EncodeDead(r *DeadRecord) []byte {
	b, _ := json.Marshal(r) // only strings and ints
	return b
}

// DecodeDead parses a dead-letter record.
func DecodeDead(b []byte) (*DeadRecord, error) {
	var r DeadRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("invalid dead-letter record: %w", err)
	}
	return &r, nil
}

// Retried returns entry rewritten for its next attempt: attempt set, error
// set to errText, data kept byte for byte (numbers are not reformatted).
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
	e := &Envelope{ID: w.ID, TS: w.TS, Attempt: attempt, Headers: w.Headers, Error: errText}
	if e.ID == "" || !IDNeedsNoEscaping(e.ID) {
		// Entries from other producers may lack an id or need escaping;
		// keep them exact rather than use the fast encoder.
		m := map[string]any{"ts": w.TS, "attempt": attempt, "data": w.Data}
		if e.ID != "" {
			m["id"] = e.ID
		}
		if len(w.Headers) > 0 {
			m["headers"] = w.Headers
		}
		if errText != "" {
			m["error"] = errText
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, &DecodeError{Reason: err.Error()}
		}
		return b, nil
	}
	return Encode(make([]byte, 0, len(entry)+len(errText)+32), e, w.Data), nil
}
