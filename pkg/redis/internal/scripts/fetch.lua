-- Takes up to ARGV[1] entries for one consumer and records them as in
-- flight, unless the topic is paused, and within the topic's rate limit and
-- global concurrency limit when the consumer has them.
--
-- KEYS[1] pending list        mq:<topic>
-- KEYS[2] claim list          {mq:<topic>}:claim:<cid>
-- KEYS[3] inflight hash       {mq:<topic>}:inflight:<cid>
-- KEYS[4] consumers zset      {mq:<topic>}:consumers
-- KEYS[5] paused flag         {mq:<topic>}:paused
-- KEYS[6] rate limit state    {mq:<topic>}:rate
-- KEYS[7] concurrency slots   {mq:<topic>}:slots
-- ARGV[1] maximum number of entries to take
-- ARGV[2] lease expiry of the consumer, unix ms
-- ARGV[3] consumer id
-- ARGV[4] first token to use; the caller reserved ARGV[1] tokens from it
-- ARGV[5] rate limit: microseconds between two messages, or 0 for none
-- ARGV[6] rate limit: burst, the most messages that may start at once
-- ARGV[7] global concurrency limit, or 0 for none
-- ARGV[8], ARGV[9], ... optional pairs: token ranges [from, to) of this
--         consumer's recent fetches whose reply was lost
-- Returns a flat array of strings: status, wait, entry1, entry2, ...
-- oldest first, the i-th entry under token ARGV[4] + i - 1 (no token is
-- sent back: the caller knows them, and the reply is half as long). status
-- is "" when entries may have been taken, "paused",
-- "rate" (no token: wait is the milliseconds until the next one) or "slots"
-- (every slot is held; the next settle that frees one says so, see
-- slots.lua).
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
-- The same call can also run twice: go-redis sends a command again when
-- its reply was cut by a reset or did not come within the read timeout,
-- with the same ARGV. Taking entries again would put them under the same
-- tokens and overwrite, in the inflight hash, the entries the first run
-- took: those would be nowhere any more. So a call whose first token is
-- already in flight is that resend, and returns what the first run took:
-- the run of consecutive tokens from the first. Nothing settles a token
-- its consumer never received, so that run has no gap; should one appear,
-- the entries after it go back to the head of the pending list, as those
-- of a lost reply do, rather than be returned under the wrong tokens.
--
-- Entries a blocking BLMOVE already put on the claim list come first; when
-- the topic is paused, or its rate limit or global concurrency grants
-- nothing, they go back to the head of the pending list. An
-- entry without a top-level "id" (one pushed by another language as
-- {"data":...}) gets a generated id spliced in, so its id stays the same on
-- every redelivery. Entries the library wrote start with {"id":" and are
-- not parsed; any other entry is parsed to find an "id" member however the
-- JSON is spaced or ordered ({"id": "x", ...} from Python's json.dumps),
-- and in any case ("ID"), as the decoder reads it. An entry that is not a
-- JSON object is taken as it is: it is dead-lettered, and the dead letter
-- shows what was pushed.
--
-- The rate limit is GCRA: the state is the theoretical arrival time (TAT)
-- of the next message, in microseconds of Redis's own clock (TIME), so the
-- clocks of the consumers do not matter. The key expires when the bucket is
-- full again. A TAT more than one burst ahead of now is clamped (and
-- stored) there, so a limit that changed, or a Redis clock that jumped
-- back, holds from this call on. The concurrency slots hash counts, per consumer, the entries it
-- holds; the field "~wait" marks that a consumer found no free slot.
local max = tonumber(ARGV[1])
local cid = ARGV[3]
redis.call('ZADD', KEYS[4], ARGV[2], cid)

for r = 8, #ARGV - 1, 2 do
  for t = tonumber(ARGV[r + 1]) - 1, tonumber(ARGV[r]), -1 do
    local e = redis.call('HGET', KEYS[3], t)
    if e then
      redis.call('RPUSH', KEYS[1], e)
      redis.call('HDEL', KEYS[3], t)
    end
  end
end

local first = tonumber(ARGV[4])
if redis.call('HEXISTS', KEYS[3], first) == 1 then
  local out = {'', '0'}
  local gap = false
  for t = first, first + max - 1 do
    local e = redis.call('HGET', KEYS[3], t)
    if e and gap then
      redis.call('RPUSH', KEYS[1], e)
      redis.call('HDEL', KEYS[3], t)
    elseif e then
      out[#out + 1] = e
    else
      gap = true
    end
  end
  return out
end

-- An entry is only taken when it may start: one that a blocking BLMOVE
-- put on the claim list goes back to the head of the pending list when the
-- topic is paused or flow control grants nothing, so it stays visible
-- (stats, peek, KEDA) and no crash of this consumer can strand it.
local function unclaim(status, wait)
  local claimed = redis.call('LRANGE', KEYS[2], 0, -1)
  for i = 1, #claimed do
    redis.call('RPUSH', KEYS[1], claimed[i])
  end
  if #claimed > 0 then
    redis.call('DEL', KEYS[2])
  end
  return {status, wait}
end

if redis.call('EXISTS', KEYS[5]) == 1 then
  return unclaim('paused', '0')
end

local slots = tonumber(ARGV[7])
local held = 0
if slots > 0 then
  held = redis.call('HLEN', KEYS[3])
  local used = held
  local all = redis.call('HGETALL', KEYS[7])
  for i = 1, #all, 2 do
    if all[i] ~= cid and all[i] ~= '~wait' then
      used = used + tonumber(all[i + 1])
    end
  end
  if used >= slots then
    redis.call('HSET', KEYS[7], '~wait', 1)
    return unclaim('slots', '0')
  end
  max = math.min(max, slots - used)
end

local interval = tonumber(ARGV[5])
local now, tat, burst
if interval > 0 then
  burst = tonumber(ARGV[6])
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  tat = math.max(tonumber(redis.call('GET', KEYS[6]) or 0), now)
  if tat > now + burst * interval then
    tat = now + burst * interval
    redis.call('SET', KEYS[6], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
  end
  local tokens = math.floor((now + burst * interval - tat) / interval)
  if tokens < 1 then
    local wait = math.ceil((tat + interval - now - burst * interval) / 1000)
    return unclaim('rate', tostring(math.max(wait, 1)))
  end
  max = math.min(max, tokens)
end

-- Entries are read first and removed from their lists only once they are
-- in the inflight hash: Redis does not roll a script back when a command
-- fails (a key of the wrong type), so popping first would lose them. The
-- tail of a list is its oldest end, so each read is walked backwards.
local function tail(key, n)
  if n <= 0 then
    return {}
  end
  return redis.call('LRANGE', key, -n, -1)
end
local claimed = tail(KEYS[2], max)
local popped = tail(KEYS[1], max - #claimed)
local taken = #claimed + #popped
if taken == 0 then
  return {'', '0'}
end

if interval > 0 then
  tat = tat + taken * interval
  redis.call('SET', KEYS[6], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
end
if slots > 0 then
  redis.call('HSET', KEYS[7], cid, held + taken)
end

-- out is the reply, fields the token, entry pairs the inflight hash gets.
-- Tokens stay numbers: redis.call turns them into the same digits the
-- consumer sends back, without a Lua string each. Claimed entries come
-- first, each list oldest first.
local out = {'', '0'}
local fields = {}
local nc = #claimed
for i = 1, taken do
  local e
  if i <= nc then
    e = claimed[nc - i + 1]
  else
    e = popped[taken - i + 1]
  end
  local token = first + i - 1
  if string.sub(e, 1, 7) ~= '{"id":"' then
    local rest = string.match(e, '^%s*{(.*)$')
    local ok, decoded = pcall(cjson.decode, e)
    local object = ok and type(decoded) == 'table' and rest ~= nil
    local hasID = false
    if object then
      -- The decoder reads a member named id in any case ("ID") as the id.
      for name in pairs(decoded) do
        if type(name) == 'string' and string.lower(name) == 'id' then
          hasID = true
          break
        end
      end
    end
    if object and not hasID then
      local sep = ','
      if string.match(rest, '^%s*}') then
        sep = '' -- {} gets no comma after its id
      end
      e = '{"id":"g' .. cid .. '-' .. token .. '"' .. sep .. rest
    end
  end
  out[i + 2] = e
  fields[2 * i - 1] = token
  fields[2 * i] = e
end
redis.call('HSET', KEYS[3], unpack(fields))
if nc > 0 then
  redis.call('LTRIM', KEYS[2], 0, -nc - 1)
end
if #popped > 0 then
  redis.call('LTRIM', KEYS[1], 0, -#popped - 1)
end
return out
