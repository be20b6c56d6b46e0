-- Returns everything a consumer holds to the head of the pending list and
-- forgets the consumer. The reaper calls it for a consumer whose lease ran
-- out (ARGV[3] = "0"); a consumer calls it for itself when it stops
-- (ARGV[3] = "1").
--
-- KEYS[1] consumers zset  {mq:<topic>}:consumers
-- KEYS[2] pending list    mq:<topic>
-- KEYS[3] claim list      {mq:<topic>}:claim:<cid>
-- KEYS[4] inflight hash   {mq:<topic>}:inflight:<cid>
-- KEYS[5] slots hash      {mq:<topic>}:slots (global concurrency)
-- ARGV[1] consumer id
-- ARGV[2] now, unix ms
-- ARGV[3] "1" to release even if the lease is still valid
-- ARGV[4] tombstone expiry, unix ms (the process reaper's carries half a
--         millisecond more, which marks it as a tombstone, not a lease)
-- Returns the number of entries handed back, or -1 when the lease is valid.
--
-- When a reaped consumer held entries, it stays listed until the tombstone
-- expiry: if it was alive after all, a blocking move it had issued may still
-- land on its claim list, and the next reaper pass will find that too.
--
-- The consumer's concurrency slots are freed with its entries, so a slot held
-- by a crashed process comes back when its messages do.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if ARGV[3] ~= '1' and score and tonumber(score) > tonumber(ARGV[2]) then
  return -1
end

local n = 0
local claimed = redis.call('LRANGE', KEYS[3], 0, -1)
for i = 1, #claimed do
  redis.call('RPUSH', KEYS[2], claimed[i])
  n = n + 1
end
local held = redis.call('HGETALL', KEYS[4])
local tokens = {}
local byToken = {}
for i = 1, #held, 2 do
  local t = tonumber(held[i])
  tokens[#tokens + 1] = t
  byToken[t] = held[i + 1]
end
table.sort(tokens)
for i = #tokens, 1, -1 do
  redis.call('RPUSH', KEYS[2], byToken[tokens[i]])
  n = n + 1
end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('HDEL', KEYS[5], ARGV[1])
if ARGV[3] ~= '1' and n > 0 then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return n
