package scripts

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Script is a Lua script with a flag line saying whether it may run while
// Redis is at maxmemory (noeviction). Redis 7 reads the line; older servers
// and miniredis cannot compile it, and get the script without it.
//
// Without a flag line Redis refuses only a script's first write, and only
// if that write can grow memory (ZADD, HSET, LPUSH...): the first write of
// fetch.lua is the lease's ZADD, so a full Redis would stop consumers, and
// dedup.lua starts with a ZREMRANGEBYSCORE, so it would publish on a full
// Redis.
type Script struct {
	flagged, plain *redis.Script
	// unflagged holds the clients whose server failed to compile the
	// flag line. Per client, not per script: one process may talk to
	// Redis 7 and to an older server (or miniredis) at once.
	unflagged sync.Map // redis.Scripter → struct{}
}

// allowOOM is for scripts that store nothing new: they may run on a full
// Redis, so consumers drain it and their acks free memory.
func allowOOM(src string) *Script { return flagged("#!lua flags=allow-oom\n", src) }

// denyOOM is for scripts that store new messages: a full Redis refuses
// them before they run, which is how a publish learns that it is full.
func denyOOM(src string) *Script { return flagged("#!lua\n", src) }

func flagged(line, src string) *Script {
	return &Script{flagged: redis.NewScript(line + src), plain: redis.NewScript(src)}
}

// Run runs the script by EVALSHA, falling back to EVAL, as
// (*redis.Script).Run does.
func (s *Script) Run(ctx context.Context, c redis.Scripter, keys []string, args ...interface{}) *redis.Cmd {
	return s.RunOn(ctx, c, c, keys, args...)
}

// RunOn runs the script through c, a connection taken from server for a
// while (a *redis.Conn): server, not c, is remembered as unable to compile
// the flag line, so that short-lived connections are not kept.
func (s *Script) RunOn(ctx context.Context, c, server redis.Scripter, keys []string, args ...interface{}) *redis.Cmd {
	if _, old := s.unflagged.Load(server); old {
		return s.plain.Run(ctx, c, keys, args...)
	}
	cmd := s.flagged.Run(ctx, c, keys, args...)
	if !cannotCompile(cmd.Err()) {
		return cmd
	}
	s.unflagged.Store(server, struct{}{})
	return s.plain.Run(ctx, c, keys, args...)
}

// cannotCompile reports whether err says the server did not understand the
// flag line: Redis before 7 ("Error compiling script ... near '#'") or
// miniredis.
func cannotCompile(err error) bool {
	if err == nil { // every successful run: errors.As would allocate reply
		return false
	}
	var reply redis.Error
	return errors.As(err, &reply) && strings.Contains(strings.ToLower(reply.Error()), "compil")
}
