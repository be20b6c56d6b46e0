package redis

import "fmt"

// span is one page of a listing: limit items from offset. Every listing of
// the Inspector pages through one.
type span struct{ offset, limit int }

// newSpan checks topic and the page bounds.
func newSpan(topic string, offset, limit int) (span, error) {
	if err := ValidateTopic(topic); err != nil {
		return span{}, err
	}
	if offset < 0 || limit <= 0 {
		return span{}, fmt.Errorf("%w: offset must be >= 0 and limit > 0", ErrInvalidOption)
	}
	return span{offset: offset, limit: limit}, nil
}

// first and last are the page's ranks, for Redis ranges (last inclusive).
func (s span) first() int64 { return int64(s.offset) }
func (s span) last() int64  { return int64(s.offset + s.limit - 1) }

// end is one past the last rank.
func (s span) end() int { return s.offset + s.limit }

// within returns the page of items, a listing read whole.
func within[T any](s span, items []T) []T {
	if s.offset >= len(items) {
		return []T{}
	}
	return items[s.offset:min(len(items), s.end())]
}
