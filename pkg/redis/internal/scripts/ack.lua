-- Settles successfully handled entries.
--
-- KEYS[1] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[2] stats hash      {mq:<topic>}:stats
-- ARGV    tokens
-- Returns how many tokens were still in flight. A token that is gone was
-- handed back by the reaper after this consumer's lease ran out; its entry
-- will be delivered again (at-least-once).
local n = redis.call('HDEL', KEYS[1], unpack(ARGV))
if n > 0 then
  redis.call('HINCRBY', KEYS[2], 'processed', n)
end
return n
