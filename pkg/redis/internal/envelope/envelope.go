// Package envelope encodes and decodes the JSON entries stored in a topic's
// Redis list. The format is documented for other languages in
// docs/wire-format.md and docs/envelope.schema.json:
//
//	{"id":"…","ts":1764172800000,"attempt":1,"headers":{"k":"v"},"error":"…","data":{…}}
//
// Only "data" is required; an entry pushed by another language may be just
// {"data":{…}}. "id" comes first in what Encode writes, so the fetch script
// recognises an entry that already has an id by that prefix without parsing
// it.
//
// Numbers in "data" decode as json.Number, so integers keep every digit
// (9007199254740993 stays 9007199254740993, not the nearest float64).
package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	json "github.com/goccy/go-json"
)

// IDPrefix is how every entry written by Encode with an id begins. The
// fetch script takes an entry beginning with it as one that has an id.
const IDPrefix = `{"id":"`

// Envelope is one decoded entry.
type Envelope struct {
	ID      string
	TS      int64 // publish time, unix milliseconds
	Attempt int   // deliveries that already failed
	Headers map[string]string
	Error   string // last handler error, set on retried entries
	// Data holds what JSON decodes to, except that numbers are json.Number
	// (their exact text), never float64.
	Data map[string]interface{}
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
	// One pass over the entry, numbers kept as json.Number; only a failed
	// decoding looks at "data" again, for a precise reason. The wire form
	// escapes to the decoder anyway: the envelope shares its allocation,
	// one fewer per delivered message.
	d := new(struct {
		w   wire
		env Envelope
	})
	w := &d.w
	if err := unmarshalNumbers(entry, w); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field == "data" {
			var raw struct {
				Data json.RawMessage `json:"data"`
			}
			if json.Unmarshal(entry, &raw) == nil {
				if _, err := decodeData(raw.Data); err != nil {
					return nil, err
				}
			}
		}
		return nil, &DecodeError{Reason: describeJSONError(err)}
	}
	if w.Data == nil {
		return nil, &DecodeError{Reason: `"data" is missing or null`}
	}
	e := &d.env
	*e = Envelope{Headers: w.Headers, Error: w.Error, Data: w.Data}
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

// DecodeString is Decode of an entry held as a string, as Redis replies
// hold them, without copying it to a []byte first: the decoder copies its
// input into a buffer of its own and never writes to it, so the string's
// bytes are only read.
func DecodeString(entry string) (*Envelope, error) {
	return Decode(unsafe.Slice(unsafe.StringData(entry), len(entry)))
}

// decodeData decodes the "data" member, already checked to be one JSON
// value, keeping numbers as json.Number.
func decodeData(raw json.RawMessage) (map[string]interface{}, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, &DecodeError{Reason: `"data" is missing or null`}
	}
	if raw[0] != '{' {
		return nil, &DecodeError{Reason: fmt.Sprintf(`"data" must be a JSON object, not %s`, kindOf(raw[0]))}
	}
	var data map[string]interface{}
	if err := unmarshalNumbers(raw, &data); err != nil {
		return nil, &DecodeError{Reason: `"data": ` + describeJSONError(err)}
	}
	return data, nil
}

// unmarshalNumbers is json.Unmarshal with numbers in interface values
// decoded as json.Number.
func unmarshalNumbers(b []byte, v any) error {
	if useNumber != nil {
		return json.UnmarshalWithOption(b, v, useNumber)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// kindOf names the kind of JSON value that starts with c.
func kindOf(c byte) string {
	switch c {
	case '"':
		return "string"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("field %q: cannot use JSON %s as %s", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	return "not valid JSON: " + err.Error()
}

// Encode appends the entry for e to dst. data is the JSON of e.Data, already
// marshalled by the caller (so a batch can report which item failed); e.Data
// is ignored. An empty e.ID is left out (the fetch script gives the entry
// one); any other id comes first.
func Encode(dst []byte, e *Envelope, data []byte) []byte {
	dst = append(dst, '{')
	if e.ID != "" {
		dst = append(dst, `"id":`...)
		dst = appendString(dst, e.ID)
		dst = append(dst, ',')
	}
	dst = append(dst, `"ts":`...)
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

// appendString appends s as a JSON string: verbatim when it needs no
// escaping, as ids validated by the publisher do.
func appendString(dst []byte, s string) []byte {
	if IDNeedsNoEscaping(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(dst, q...)
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
