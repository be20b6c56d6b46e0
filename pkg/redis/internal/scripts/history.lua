-- A fragment, not a script: ack.lua, retry.lua and dead.lua start with it,
-- so the per-minute history is written by the script that settles, in the
-- same round trip.
--
-- history(key, kind, minute, n) adds n to the count of kind ('p' processed,
-- 'f' failed) of minute in key. The first write of a field (once a minute
-- at most) sets key to expire 25 hours later: one command per settling
-- script most of the time, not two.
--
-- key    {mq:<topic>}:history:<unix hour>  HASH  p<minute>, f<minute> -> count
-- minute the minute within the hour, '0' to '59'
--
-- A topic keeps at most 25 such hashes of at most 120 small fields each
-- (docs/reliability.md states their memory).
local function history(key, kind, minute, n)
  if redis.call('HINCRBY', key, kind .. minute, n) == n then
    redis.call('EXPIRE', key, 90000)
  end
end
