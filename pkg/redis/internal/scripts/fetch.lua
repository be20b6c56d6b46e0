-- Takes up to ARGV[1] entries for one consumer and records them as in flight.
--
-- KEYS[1] pending list        mq:<topic>
-- KEYS[2] claim list          {mq:<topic>}:claim:<cid>
-- KEYS[3] inflight hash       {mq:<topic>}:inflight:<cid>
-- KEYS[4] sequence counter    {mq:<topic>}:seq
-- KEYS[5] consumers zset      {mq:<topic>}:consumers
-- ARGV[1] maximum number of entries to take
-- ARGV[2] lease expiry of the consumer, unix ms
-- ARGV[3] consumer id
-- ARGV[4] optional: the highest token of this consumer's last successful
--         fetch, passed after a fetch failed (see below)
-- Returns a flat array: token1, entry1, token2, entry2, ... oldest first.
--
-- Entries a blocking BLMOVE already put on the claim list come first. An
-- entry that does not start with {"id":" (one pushed by another language as
-- {"data":...}) gets a generated id spliced in, so its id stays the same on
-- every redelivery. Registering the consumer here too means an entry is never
-- in an inflight hash that the reaper cannot find.
--
-- A fetch can run in Redis while its reply is lost: the client timed out
-- (Redis was paused or slow) and then Redis executed the command it had
-- already received. Its entries would sit in this live consumer's inflight
-- hash, unknown to it and never reaped. Tokens only grow, so after a failed
-- fetch the consumer passes ARGV[4], and entries of its own above that token
-- go back to the head of the pending list, to be taken again below.
local max = tonumber(ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[3])

if ARGV[4] and ARGV[4] ~= '' then
  local above = tonumber(ARGV[4])
  local held = redis.call('HGETALL', KEYS[3])
  local lost = {}
  local byToken = {}
  for i = 1, #held, 2 do
    local t = tonumber(held[i])
    if t > above then
      lost[#lost + 1] = t
      byToken[t] = held[i + 1]
    end
  end
  table.sort(lost)
  for i = #lost, 1, -1 do
    redis.call('RPUSH', KEYS[1], byToken[lost[i]])
    redis.call('HDEL', KEYS[3], tostring(lost[i]))
  end
end

local entries = {}
local claimed = redis.call('LRANGE', KEYS[2], 0, -1)
for i = #claimed, 1, -1 do
  entries[#entries + 1] = claimed[i]
end
if #claimed > 0 then
  redis.call('DEL', KEYS[2])
end
if #entries < max then
  local popped = redis.call('RPOP', KEYS[1], max - #entries)
  if popped then
    for i = 1, #popped do
      entries[#entries + 1] = popped[i]
    end
  end
end
if #entries == 0 then
  return {}
end

local last = redis.call('INCRBY', KEYS[4], #entries)
local first = last - #entries + 1
local out = {}
local fields = {}
for i = 1, #entries do
  local token = tostring(first + i - 1)
  local e = entries[i]
  if string.sub(e, 1, 7) ~= '{"id":"' then
    local rest = string.match(e, '^%s*{(.*)$')
    if rest then
      e = '{"id":"g' .. token .. '",' .. rest
    end
  end
  out[#out + 1] = token
  out[#out + 1] = e
  fields[#fields + 1] = token
  fields[#fields + 1] = e
end
redis.call('HSET', KEYS[3], unpack(fields))
return out
