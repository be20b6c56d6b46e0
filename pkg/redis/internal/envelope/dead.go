package envelope

import (
	"fmt"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// DeadRecord is a dead letter as stored in a topic's dead set.
type DeadRecord struct {
	ID       string `json:"id,omitempty"`
	Reason   string `json:"reason"`
	Attempt  int    `json:"attempt"`
	FailedAt int64  `json:"failed_at"` // unix milliseconds
	Entry    string `json:"entry"`     // the entry exactly as it was taken, to requeue it
	// EntryBytes is Entry again, base64, when Entry is not valid UTF-8: a
	// JSON string cannot hold such bytes ("entry" then shows them as
	// U+FFFD), and a requeue must publish the entry as it was taken.
	EntryBytes []byte `json:"entry_base64,omitempty"`
}

// EncodeDead returns the JSON of r.
func EncodeDead(r *DeadRecord) []byte {
	if !utf8.ValidString(r.Entry) {
		c := *r
		c.EntryBytes = []byte(r.Entry)
		r = &c
	}
	b, _ := json.Marshal(r) // only strings, bytes and ints
	return b
}

// DecodeDead parses a dead-letter record; its Entry is the entry exactly as
// it was taken.
func DecodeDead(b []byte) (*DeadRecord, error) {
	var r DeadRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("invalid dead-letter record: %w", err)
	}
	if r.EntryBytes != nil {
		r.Entry, r.EntryBytes = string(r.EntryBytes), nil
	}
	return &r, nil
}
