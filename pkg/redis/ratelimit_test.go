package redis_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]redis.RateLimit{
		"50/s":         {N: 50, Per: time.Second},
		"3000/m":       {N: 3000, Per: time.Minute},
		"10/s:20":      {N: 10, Per: time.Second, Burst: 20},
		"7/h":          {N: 7, Per: time.Hour},
		"100/10s":      {N: 100, Per: 10 * time.Second},
		"1/250ms:1":    {N: 1, Per: 250 * time.Millisecond, Burst: 1},
		"1000000000/s": {N: 1_000_000_000, Per: time.Second},
	} {
		got, err := redis.ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func TestParseRateLimitRefusesBadInput(t *testing.T) {
	t.Parallel()
	for in, wantInMsg := range map[string]string{
		"":               "no '/'",
		"50":             "no '/'",
		"x/s":            "N is not a whole number",
		"50/fortnight":   "PER is not",
		"50/s:0":         "BURST",
		"50/s:-3":        "BURST",
		"50/s:many":      "BURST",
		"0/s":            "N must be 1 to",
		"-5/s":           "N must be 1 to",
		"2000000000/s":   "N must be 1 to",
		"5/1us":          "PER must be",
		"5/48h":          "PER must be",
		"5/-1s":          "PER must be",
		"5/s:2000000000": "BURST must be",
	} {
		_, err := redis.ParseRateLimit(in)
		if !errors.Is(err, redis.ErrInvalidRateLimit) || !errors.Is(err, redis.ErrInvalidOption) {
			t.Errorf("ParseRateLimit(%q) = %v, want ErrInvalidRateLimit", in, err)
			continue
		}
		if !strings.Contains(err.Error(), wantInMsg) {
			t.Errorf("ParseRateLimit(%q) = %q, want it to say %q", in, err, wantInMsg)
		}
	}
}

func TestRateLimitStringRoundTrips(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"50/s", "3000/m", "10/s:20", "7/h", "100/10s", "1/250ms"} {
		r, err := redis.ParseRateLimit(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != s {
			t.Errorf("ParseRateLimit(%q).String() = %q", s, got)
		}
	}
	if got := (redis.RateLimit{N: 5, Per: time.Second, Burst: 5}).String(); got != "5/s" {
		t.Errorf("a burst equal to N is the default and left out: got %q", got)
	}
}

// FuzzParseRateLimit checks that any input is either refused with
// ErrInvalidRateLimit or parsed into a limit within bounds whose String
// parses back to the same limit.
func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{"50/s", "3000/m", "10/s:20", "100/10s", "1/1ms:1", "0/s", "5/s:", "/", ":", "9/1h0m0s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := redis.ParseRateLimit(s)
		if err != nil {
			if !errors.Is(err, redis.ErrInvalidRateLimit) {
				t.Fatalf("ParseRateLimit(%q): error %v is not ErrInvalidRateLimit", s, err)
			}
			return
		}
		if r.N < 1 || r.N > redis.MaxRateLimitN || r.Per < redis.MinRatePer || r.Per > redis.MaxRatePer || r.Burst < 0 || r.Burst > redis.MaxRateLimitN {
			t.Fatalf("ParseRateLimit(%q) = %+v, out of bounds", s, r)
		}
		back, err := redis.ParseRateLimit(r.String())
		if err != nil {
			t.Fatalf("ParseRateLimit(%q).String() = %q does not parse: %v", s, r.String(), err)
		}
		if back.N != r.N || back.Per != r.Per || (back.Burst != r.Burst && !(r.Burst == r.N && back.Burst == 0)) {
			t.Fatalf("ParseRateLimit(%q) = %+v, but its String %q parses to %+v", s, r, r.String(), back)
		}
	})
}
