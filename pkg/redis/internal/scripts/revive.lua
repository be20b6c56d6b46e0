-- Moves one dead letter back to the pending list.
--
-- KEYS[1] dead zset       {mq:<topic>}:dead
-- KEYS[2] pending list    mq:<topic>
-- ARGV[1] the dead-letter record (member of KEYS[1])
-- ARGV[2] the entry to publish again
-- Returns 1, or 0 when the record was already gone.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
