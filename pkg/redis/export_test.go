package redis

import "github.com/jonboulle/clockwork"

// SetClock makes m read time from clk, for tests that drive time with a
// clockwork.FakeClock. Call it before the first publish or subscribe:
// consumers and schedules take the clock when they start. Times written
// to Redis then come from clk too, not from Redis's TIME.
//
// A manager whose clock runs ahead of Redis's time finds every lease on
// that Redis run out, whoever holds it: its reapers hand back what live
// consumers of other managers are handling, and those messages run twice.
// Such a manager needs a server of its own (see subscribe in main_test.go).
func SetClock(m *Manager, clk clockwork.Clock) {
	m.clock = clk
	m.queue.clock = clk
	m.queue.rclock = newRedisClock(clk, nil) // no TIME samples: the fake clock is Redis's time
}

// ClockOf is the clock q reads time from.
func ClockOf(q *RedisQueue) clockwork.Clock { return q.clock }

// ProcessOf is the process id part of consumer id cid.
func ProcessOf(cid string) string { return processOf(cid) }

// PushOnly keeps m's sweeper from looking at the idle queues: consumers on
// the shared path are woken only by local publishes and push
// announcements.
func PushOnly(m *Manager) { m.queue.sharing.sweeper.pushOnly.Store(true) }
