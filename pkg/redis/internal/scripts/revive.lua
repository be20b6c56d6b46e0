-- Moves members of a sorted set to the pending list: dead letters (requeued)
-- or delayed entries (run now).
--
-- KEYS[1] dead or delayed zset  {mq:<topic>}:dead or {mq:<topic>}:delayed
-- KEYS[2] pending list          mq:<topic>
-- ARGV    pairs: member1, entry1, member2, entry2, ... where entryN is what
--         memberN publishes
-- Returns how many members moved; a member already gone is skipped.
--
-- A member leaves the set only after it is on the list: a failed push (see
-- dead.lua) leaves it where it was.
local n = 0
for i = 1, #ARGV - 1, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('LPUSH', KEYS[2], ARGV[i + 1])
    redis.call('ZREM', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
