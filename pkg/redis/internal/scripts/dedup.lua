-- Publishes one entry unless its de-duplication key was used within its TTL.
--
-- KEYS[1] dedup zset      {mq:<topic>}:dedup
-- KEYS[2] pending list    mq:<topic>
-- KEYS[3] delayed zset    {mq:<topic>}:delayed
-- ARGV[1] de-duplication key
-- ARGV[2] key expiry, unix ms
-- ARGV[3] now, unix ms
-- ARGV[4] entry
-- ARGV[5] due time, unix ms, or 0 to publish now
-- Returns 1 when published, 0 when it was a duplicate, 2 when published as
-- the new earliest delayed entry, 3 when published at once onto an empty
-- queue (which the publisher announces on the topic's push channel).
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) > tonumber(ARGV[3]) then
  return 0
end
-- The entry is written before the key is recorded: Redis does not roll a
-- script back when a command fails, and a key recorded for an entry that
-- was never written would refuse the publisher's retry as a duplicate.
local ret = 1
if ARGV[5] == '0' then
  if redis.call('LPUSH', KEYS[2], ARGV[4]) == 1 then
    ret = 3
  end
else
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if tonumber(ARGV[5]) <= tonumber(first[2]) then
    ret = 2
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return ret
