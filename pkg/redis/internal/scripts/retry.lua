-- Schedules a failed entry for another attempt.
--
-- KEYS[1] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[2] delayed zset    {mq:<topic>}:delayed
-- KEYS[3] stats hash      {mq:<topic>}:stats
-- KEYS[4] history hash    {mq:<topic>}:history:<unix hour> (history.lua)
-- ARGV[1] token
-- ARGV[2] due time, unix ms
-- ARGV[3] the entry to retry (attempt and error updated)
-- ARGV[4] "1" to count a failed attempt in the stats, "0" for a postponed one
-- ARGV[5] the minute within the hour, '0' to '59'
-- Returns 1, or 0 when the token was no longer in flight.
--
-- The entry leaves the inflight hash only after it is in the delayed set:
-- a failed write (see dead.lua) leaves it in flight.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[4] == '1' then
  redis.call('HINCRBY', KEYS[3], 'failed', 1)
  redis.call('HINCRBY', KEYS[3], 'retried', 1)
  history(KEYS[4], 'f', ARGV[5], 1)
end
return 1
