package config

import (
	"errors"
	"fmt"
)

// ValueError reports a bad configuration value: which key, where it came
// from and why it was rejected. Validate returns these (joined), as do the
// GetXxxE getters.
type ValueError struct {
	// Key is the dotted key, e.g. "redis.port".
	Key string
	// Source is the environment variable (e.g. "REDIS_PORT"), the file
	// name, "Set", "map" or "default" the value came from; empty when the
	// key is missing altogether.
	Source string
	// Value is the offending value, with secrets redacted.
	Value string
	// Err says what is wrong with it.
	Err error
}

func (e *ValueError) Error() string {
	switch e.Source {
	case EnvName(e.Key):
		return fmt.Sprintf("config: %s=%q: %v", e.Source, e.Value, e.Err)
	case "":
		return fmt.Sprintf("config: %s (%s): %v", e.Key, EnvName(e.Key), e.Err)
	default:
		return fmt.Sprintf("config: %s (%s)=%q (from %s): %v", e.Key, EnvName(e.Key), e.Value, e.Source, e.Err)
	}
}

func (e *ValueError) Unwrap() error { return e.Err }

// ErrOutOfRange is the reason of a *ValueError for a number outside its
// setting's bounds.
var ErrOutOfRange = errors.New("out of range")
