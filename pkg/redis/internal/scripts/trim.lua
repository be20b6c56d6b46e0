-- Deletes the expired members of sorted sets scored by expiry: a topic's
-- de-duplication keys and idempotency markers.
--
-- KEYS    sorted sets    {mq:<topic>}:dedup, {mq:<topic>}:done
-- ARGV[1] now, unix ms; members scored at or before it are expired
-- Returns how many members were deleted, over all KEYS.
local n = 0
for i = 1, #KEYS do
  n = n + redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[1])
end
return n
