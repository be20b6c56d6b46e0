-- Settles successfully handled entries.
--
-- KEYS[1] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[2] stats hash      {mq:<topic>}:stats
-- KEYS[3] history hash    {mq:<topic>}:history:<unix hour> (history.lua)
-- ARGV[1] the minute within the hour, '0' to '59'
-- ARGV[2...] tokens
-- Returns how many tokens were still in flight. A token that is gone was
-- handed back by the reaper after this consumer's lease ran out; its entry
-- will be delivered again (at-least-once).
local n = redis.call('HDEL', KEYS[1], unpack(ARGV, 2))
if n > 0 then
  redis.call('HINCRBY', KEYS[2], 'processed', n)
  history(KEYS[3], 'p', ARGV[1], n)
end
return n
