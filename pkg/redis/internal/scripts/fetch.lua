-- Takes up to ARGV[1] entries for one consumer and records them as in flight.
--
-- KEYS[1] pending list        mq:<topic>
-- KEYS[2] claim list          {mq:<topic>}:claim:<cid>
-- KEYS[3] inflight hash       {mq:<topic>}:inflight:<cid>
-- KEYS[4] consumers zset      {mq:<topic>}:consumers
-- ARGV[1] maximum number of entries to take
-- ARGV[2] lease expiry of the consumer, unix ms
-- ARGV[3] consumer id
-- ARGV[4] first token to use; the caller reserved ARGV[1] tokens from it
-- ARGV[5], ARGV[6], ... optional pairs: token ranges [from, to) of this
--         consumer's recent fetches whose reply was lost
-- Returns a flat array: token1, entry1, token2, entry2, ... oldest first.
--
-- Registering the consumer here too means an entry is never in an inflight
-- hash that the reaper cannot find.
--
-- A fetch can run in Redis while its reply is lost: the client timed out
-- (Redis was paused or slow) and Redis executed the command it had already
-- received. Its entries would sit in this live consumer's inflight hash,
-- unknown to it and never reaped. So the consumer passes the token ranges of
-- failed fetches for a while, and entries found under them go back to the
-- head of the pending list, to be taken again below.
--
-- Entries a blocking BLMOVE already put on the claim list come first. An
-- entry without a top-level "id" (one pushed by another language as
-- {"data":...}) gets a generated id spliced in, so its id stays the same on
-- every redelivery. Entries the library wrote start with {"id":" and are
-- not parsed; any other entry is parsed to find an "id" member however the
-- JSON is spaced or ordered ({"id": "x", ...} from Python's json.dumps).
local max = tonumber(ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])

for r = 5, #ARGV - 1, 2 do
  for t = tonumber(ARGV[r + 1]) - 1, tonumber(ARGV[r]), -1 do
    local e = redis.call('HGET', KEYS[3], t)
    if e then
      redis.call('RPUSH', KEYS[1], e)
      redis.call('HDEL', KEYS[3], t)
    end
  end
end

local entries = redis.call('RPOP', KEYS[2], max) or {}
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

local first = tonumber(ARGV[4])
local out = {}
for i = 1, #entries do
  local token = tostring(first + i - 1)
  local e = entries[i]
  if string.sub(e, 1, 7) ~= '{"id":"' then
    local rest = string.match(e, '^%s*{(.*)$')
    local ok, decoded = pcall(cjson.decode, e)
    local hasID = ok and type(decoded) == 'table' and decoded.id ~= nil
    if rest and not hasID then
      local sep = ','
      if string.match(rest, '^%s*}') then
        sep = '' -- {} gets no comma after its id
      end
      e = '{"id":"g' .. ARGV[3] .. '-' .. token .. '"' .. sep .. rest
    end
  end
  out[#out + 1] = token
  out[#out + 1] = e
end
redis.call('HSET', KEYS[3], unpack(out))
return out
