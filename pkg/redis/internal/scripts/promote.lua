-- Moves delayed entries that are due to the tail of the pending list.
--
-- KEYS[1] delayed zset    {mq:<topic>}:delayed
-- KEYS[2] pending list    mq:<topic>
-- ARGV[1] now, unix ms
-- ARGV[2] most entries to move
-- Returns {moved, next due time in unix ms or -1 when none is left}.
--
-- The earliest entry is looked at first, so a check that finds nothing due
-- (the usual case for an idle topic) costs Redis one command.
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then
  return {0, -1}
end
if tonumber(first[2]) > tonumber(ARGV[1]) then
  return {0, tonumber(first[2])}
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
redis.call('LPUSH', KEYS[2], unpack(due))
redis.call('ZREM', KEYS[1], unpack(due))
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #nxt == 0 then
  return {#due, -1}
end
return {#due, tonumber(nxt[2])}
