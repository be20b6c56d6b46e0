-- Moves an entry to the dead letters.
--
-- KEYS[1] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[2] dead zset       {mq:<topic>}:dead
-- KEYS[3] stats hash      {mq:<topic>}:stats
-- KEYS[4] history hash    {mq:<topic>}:history:<unix hour> (history.lua)
-- ARGV[1] token
-- ARGV[2] time of death, unix ms
-- ARGV[3] dead-letter record (JSON)
-- ARGV[4] most dead letters to keep; the oldest beyond it are dropped
-- ARGV[5] "1" when the handler failed (counted as failed), else "0"
-- ARGV[6] the minute within the hour, '0' to '59'
-- Returns 1, or 0 when the token was no longer in flight.
--
-- Redis does not roll a script back when a command fails (a key of the
-- wrong type): what ran before stays. So the dead letter is written before
-- the entry leaves the inflight hash; a failed write leaves it in flight,
-- and the caller runs the script again.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
local keep = tonumber(ARGV[4])
if keep > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -keep - 1)
end
redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[3], 'failed', 1)
  history(KEYS[4], 'f', ARGV[6], 1)
end
redis.call('HINCRBY', KEYS[3], 'dead', 1)
return 1
