package redis

import "github.com/jonboulle/clockwork"

// SetClock makes m read time from clk, for tests that drive time with a
// clockwork.FakeClock. Call it before the first publish or subscribe:
// consumers and schedules take the clock when they start. Times written
// to Redis then come from clk too, not from Redis's TIME.
func SetClock(m *Manager, clk clockwork.Clock) {
	m.clock = clk
	m.queue.clock = clk
	m.queue.rclock = newRedisClock(clk, nil) // no TIME samples: the fake clock is Redis's time
}

// ProcessOf is the process id part of consumer id cid.
func ProcessOf(cid string) string { return processOf(cid) }
