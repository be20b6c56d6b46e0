-- Moves one member of a sorted set to the pending list: a dead letter
-- (requeued) or a delayed entry (run now).
--
-- KEYS[1] dead or delayed zset  {mq:<topic>}:dead or {mq:<topic>}:delayed
-- KEYS[2] pending list          mq:<topic>
-- ARGV[1] the member of KEYS[1]
-- ARGV[2] the entry to publish
-- Returns 1, or 0 when the member was already gone.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
