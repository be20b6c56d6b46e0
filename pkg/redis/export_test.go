package redis

import "github.com/jonboulle/clockwork"

// SetClock makes m read time from clk, for tests that drive time with a
// clockwork.FakeClock. Call it before the first publish or subscribe:
// consumers and schedules take the clock when they start.
func SetClock(m *Manager, clk clockwork.Clock) {
	m.clock = clk
	m.queue.clock = clk
}
