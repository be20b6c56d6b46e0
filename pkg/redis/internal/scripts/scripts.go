// Package scripts holds the Lua scripts that make every multi-step state
// change of a topic atomic. Each .lua file documents its KEYS, ARGV and
// return value; every key it touches is passed in KEYS, all in the topic's
// hash slot.
package scripts

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed fetch.lua
	fetchSrc string
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
)

// The scripts, loaded lazily by EVALSHA with a fallback to EVAL.
var (
	Fetch    = redis.NewScript(fetchSrc)
	Ack      = redis.NewScript(ackSrc)
	Retry    = redis.NewScript(retrySrc)
	Dead     = redis.NewScript(deadSrc)
	Requeue  = redis.NewScript(requeueSrc)
	Release  = redis.NewScript(releaseSrc)
	Promote  = redis.NewScript(promoteSrc)
	Schedule = redis.NewScript(scheduleSrc)
	Dedup    = redis.NewScript(dedupSrc)
	Revive   = redis.NewScript(reviveSrc)
	Purge    = redis.NewScript(purgeSrc)
	Trim     = redis.NewScript(trimSrc)
)
