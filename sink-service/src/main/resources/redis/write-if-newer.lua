-- Write-if-newer of one row's latest state, atomically (tributary sink-service).
-- KEYS[1] row key        <prefix><table>:<pk>            a hash: the columns + _lsn, _op, _event_id, _source_ts_ms
-- KEYS[2] tombstone key  <prefix>~deleted:<table>:<pk>   a string: the LSN of the delete, expiring
-- ARGV[1] LSN of this change, as 20 zero-padded digits (so string order = numeric order, no float rounding)
-- ARGV[2] 'U' (insert, update, snapshot read) or 'D' (delete)
-- ARGV[3] row expiry in seconds, 0 = none;  ARGV[4] tombstone expiry in seconds
-- ARGV[5..] field, value pairs of the row (upsert only)
-- Returns 1 when applied, 0 when the change is not newer than what Redis holds (stale: skipped).
local lsn = ARGV[1]
local current = redis.call('HGET', KEYS[1], '_lsn')
if current and current >= lsn then
  return 0
end
local deleted = redis.call('GET', KEYS[2])
if deleted and deleted >= lsn then
  return 0
end
redis.call('DEL', KEYS[1])
if ARGV[2] == 'D' then
  redis.call('SET', KEYS[2], lsn, 'EX', tonumber(ARGV[4]))
  return 1
end
if deleted then
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], '_lsn', lsn, unpack(ARGV, 5))
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
end
return 1
