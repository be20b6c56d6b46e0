-- Hands entries back to the head of the pending list, where they are taken
-- next, without counting an attempt. Used at shutdown for entries that were
-- fetched but not finished.
--
-- KEYS[1] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[2] pending list    mq:<topic>
-- ARGV    tokens, oldest first
-- Returns how many entries went back.
local n = 0
for i = #ARGV, 1, -1 do
  local e = redis.call('HGET', KEYS[1], ARGV[i])
  if e then
    redis.call('RPUSH', KEYS[2], e)
    redis.call('HDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
