-- Updates the count of global concurrency slots a consumer holds after it
-- settled entries, and tells whether a consumer is waiting for a slot.
--
-- KEYS[1] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[2] slots hash      {mq:<topic>}:slots
-- ARGV[1] consumer id
-- Returns 1 when a consumer found no free slot since the last settle (the
-- caller then announces that slots are free), else 0.
--
-- The count is set from the inflight hash rather than decremented, so it is
-- right whatever settled the entries, even a settle whose reply was lost.
local held = redis.call('HLEN', KEYS[1])
if held > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], held)
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return redis.call('HDEL', KEYS[2], '~wait')
