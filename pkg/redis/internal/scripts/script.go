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
	// flaggedSrc and plainSrc are their sources, for EVAL after NOSCRIPT
	// (RunOnceOn).
	flaggedSrc, plainSrc string
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
	return &Script{flagged: redis.NewScript(line + src), plain: redis.NewScript(src), flaggedSrc: line + src, plainSrc: src}
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

// Processor runs a command: a client, or a connection taken from one.
type Processor interface {
	Process(ctx context.Context, cmd redis.Cmder) error
}

// RunOnceOn is RunOn for a script that changes something and must run at
// most once: go-redis does not send it again when its reply does not come
// (see NotResent).
func (s *Script) RunOnceOn(ctx context.Context, c Processor, server redis.Scripter, keys []string, args ...interface{}) *redis.Cmd {
	if _, old := s.unflagged.Load(server); old {
		return runOnce(ctx, c, s.plain.Hash(), s.plainSrc, keys, args)
	}
	cmd := runOnce(ctx, c, s.flagged.Hash(), s.flaggedSrc, keys, args)
	if !cannotCompile(cmd.Err()) {
		return cmd
	}
	s.unflagged.Store(server, struct{}{})
	return runOnce(ctx, c, s.plain.Hash(), s.plainSrc, keys, args)
}

// runOnce runs a script by EVALSHA, and by EVAL when the server does not
// have it (NOSCRIPT: the script was not run), as (*redis.Script).Run does.
func runOnce(ctx context.Context, c Processor, sha, src string, keys []string, args []interface{}) *redis.Cmd {
	cmd := evalCmd(ctx, "evalsha", sha, keys, args)
	if err := c.Process(ctx, NotResent(cmd)); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		cmd = evalCmd(ctx, "eval", src, keys, args)
		_ = c.Process(ctx, NotResent(cmd))
	}
	return cmd
}

func evalCmd(ctx context.Context, name, script string, keys []string, args []interface{}) *redis.Cmd {
	a := make([]interface{}, 0, 3+len(keys)+len(args))
	a = append(a, name, script, len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	return redis.NewCmd(ctx, append(a, args...)...)
}

// NotResent wraps cmd so that go-redis never sends it again: by default it
// resends a command whose reply did not come within the read timeout (or
// whose connection broke), on a fresh connection. For a write that had
// reached Redis, as one to a Redis that is frozen (SIGSTOP) has, that
// would store it twice; the caller learns instead that the outcome is
// unknown. Redirections (MOVED, ASK) are followed all the same.
func NotResent(cmd redis.Cmder) redis.Cmder { return notResent{cmd} }

type notResent struct{ redis.Cmder }

func (notResent) NoRetry() bool { return true }

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

// Queue adds the script to pipe by EVALSHA, in the variant server (the
// client pipe comes from) compiles. A call whose script server did not
// have is not run: Rerun runs it again.
func (s *Script) Queue(ctx context.Context, pipe redis.Pipeliner, server redis.Scripter, keys []string, args ...interface{}) *redis.Cmd {
	if _, old := s.unflagged.Load(server); old {
		return s.plain.EvalSha(ctx, pipe, keys, args...)
	}
	return s.flagged.EvalSha(ctx, pipe, keys, args...)
}

// Rerun returns cmd, the reply to a call Queue added, unless it says the
// script did not run (Redis did not have it, or could not compile its flag
// line): then it runs the call again through server, as Run does, and
// returns that reply.
func (s *Script) Rerun(ctx context.Context, server redis.Scripter, cmd *redis.Cmd, keys []string, args ...interface{}) *redis.Cmd {
	if err := cmd.Err(); !NoScript(err) && !cannotCompile(err) {
		return cmd
	}
	return s.Run(ctx, server, keys, args...)
}

// Load puts the script in server's script cache, in the variant server
// compiles, for the calls Queue adds next.
func (s *Script) Load(ctx context.Context, server redis.Scripter) error {
	if _, old := s.unflagged.Load(server); !old {
		err := s.flagged.Load(ctx, server).Err()
		if !cannotCompile(err) {
			return err
		}
		s.unflagged.Store(server, struct{}{})
	}
	return s.plain.Load(ctx, server).Err()
}

// NoScript reports whether err says Redis did not have the script: the
// call did not run.
func NoScript(err error) bool { return err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") }
