// Package scripts holds the Lua scripts that make every multi-step state
// change of a topic atomic. Each .lua file documents its KEYS, ARGV and
// return value; every key it touches is passed in KEYS, all in the topic's
// hash slot.
package scripts

import _ "embed"

var (
	//go:embed fetch.lua
	fetchSrc string
	//go:embed history.lua
	historySrc string
	//go:embed ack.lua
	ackSrc string
	//go:embed retry.lua
	retrySrc string
	//go:embed dead.lua
	deadSrc string
	//go:embed requeue.lua
	requeueSrc string
	//go:embed release.lua
	releaseSrc string
	//go:embed promote.lua
	promoteSrc string
	//go:embed schedule.lua
	scheduleSrc string
	//go:embed dedup.lua
	dedupSrc string
	//go:embed revive.lua
	reviveSrc string
	//go:embed purge.lua
	purgeSrc string
	//go:embed trim.lua
	trimSrc string
	//go:embed lease.lua
	leaseSrc string
	//go:embed slots.lua
	slotsSrc string
)

// The scripts, loaded lazily by EVALSHA with a fallback to EVAL.
//
// Schedule and Dedup store new messages: Redis refuses them when it is at
// maxmemory (noeviction), which is how a publish learns that Redis is full.
// The others only move, settle or remove what is already stored, so they may
// run on a full Redis: consumers keep working, and their acks free memory.
// See Script.
var (
	Fetch    = allowOOM(fetchSrc)
	Ack      = allowOOM(historySrc + ackSrc)
	Retry    = allowOOM(historySrc + retrySrc)
	Dead     = allowOOM(historySrc + deadSrc)
	Requeue  = allowOOM(requeueSrc)
	Release  = allowOOM(releaseSrc)
	Promote  = allowOOM(promoteSrc)
	Revive   = allowOOM(reviveSrc)
	Purge    = allowOOM(purgeSrc)
	Trim     = allowOOM(trimSrc)
	Lease    = allowOOM(leaseSrc)
	Slots    = allowOOM(slotsSrc)
	Schedule = denyOOM(scheduleSrc)
	Dedup    = denyOOM(dedupSrc)
)
