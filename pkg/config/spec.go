package config

import (
	"fmt"
	"strconv"
	"time"
)

// Number declares a numeric setting: its key, its default and its bounds.
// Programs declare their settings with it and read them with Get, so a
// value is checked before anything is sized by it.
type Number[T int | time.Duration] struct {
	// Key is the dotted key; EnvName gives its variable.
	Key string
	// Default is the value when no source sets the key.
	Default T
	// Min and Max bound the value, both included.
	Min, Max T
	// ZeroOff also accepts 0, meaning off, below Min.
	ZeroOff bool
}

// Int is an integer setting.
type Int = Number[int]

// Duration is a duration setting in Go syntax ("1m30s"); a bare number
// other than 0 is refused: it needs a unit.
type Duration = Number[time.Duration]

// Get returns s's value in c, or its default when unset. A value that does
// not parse, is out of bounds or is a YAML list or mapping gives the default and a *ValueError naming
// the key, its variable and the accepted range.
func (s Number[T]) Get(c *Config) (T, error) {
	v, src, ok := c.lookup(s.Key)
	if !ok {
		return s.Default, nil
	}
	err := v.scalar()
	var t T
	if err == nil {
		t, err = parseNumber[T](v.text)
	}
	if err == nil {
		err = s.check(t)
	}
	if err != nil {
		return s.Default, c.valueError(s.Key, src, v, err)
	}
	return t, nil
}

func (s Number[T]) check(t T) error {
	if (t == 0 && s.ZeroOff) || (t >= s.Min && t <= s.Max) {
		return nil
	}
	if s.ZeroOff {
		return fmt.Errorf("%w: want 0 (off) or %v..%v", ErrOutOfRange, s.Min, s.Max)
	}
	return fmt.Errorf("%w: want %v..%v", ErrOutOfRange, s.Min, s.Max)
}

func parseNumber[T int | time.Duration](s string) (T, error) {
	var t T
	switch p := any(&t).(type) {
	case *int:
		n, err := parseInt(s)
		*p = n
		return t, err
	case *time.Duration:
		d, err := parseDuration(s)
		*p = d
		return t, err
	}
	panic("unreachable")
}

// Range is a numeric setting's bounds as text, with the nearest rejected
// values on either side, for tests that run over every numeric setting.
type Range struct {
	Key                    string
	Below, Min, Max, Above string
	// Zero is "0" when 0 is accepted below Min (off), else "".
	Zero string
}

// Range returns s's bounds.
func (s Number[T]) Range() Range {
	r := Range{Key: s.Key, Below: text(s.Min - 1), Min: text(s.Min), Max: text(s.Max), Above: text(s.Max + 1)}
	if s.ZeroOff {
		r.Zero = "0"
	}
	return r
}

func text[T int | time.Duration](t T) string {
	if d, ok := any(t).(time.Duration); ok {
		return d.String()
	}
	return strconv.Itoa(int(t))
}

func (s Number[T]) defaultText() string { return text(s.Default) }
