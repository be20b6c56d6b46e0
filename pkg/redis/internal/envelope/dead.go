package envelope

import (
	"fmt"

	json "github.com/goccy/go-json"
)

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
