-- Adds delayed entries and tells whether one of them is now the earliest, in
-- which case the caller wakes the schedulers.
--
-- KEYS[1] delayed zset    {mq:<topic>}:delayed
-- ARGV    due1, entry1, due2, entry2, ...
-- Returns 1 when the earliest due time is one of ARGV's, else 0.
redis.call('ZADD', KEYS[1], unpack(ARGV))
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
for i = 1, #ARGV, 2 do
  if tonumber(ARGV[i]) <= tonumber(first[2]) then
    return 1
  end
end
return 0
