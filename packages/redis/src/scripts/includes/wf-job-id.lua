-- wf-job-id.lua: a workflow step's job id, as workflowJobId in @conveyor/core (ids.ts)
-- makes it: `<queue>:<workflow id>.<tail>`, or `<queue>:<workflow id>:<hash>` (22 base64url
-- characters of the SHA-256 of the tail) when the plain unique part would pass 96 characters.
-- Redis' Lua has no SHA-256 (only SHA-1), so it is here, on the bit library; it runs only for
-- the long ids.

local SHA256_K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

-- The SHA-256 digest of `msg`, 32 bytes.
local function sha256(msg)
  local band, bxor, bnot, ror, rshift, tobit = bit.band, bit.bxor, bit.bnot, bit.ror, bit.rshift, bit.tobit
  local bits = #msg * 8
  msg = msg .. '\128' .. string.rep('\0', (55 - #msg) % 64) .. '\0\0\0\0'
    .. string.char(band(rshift(bits, 24), 255), band(rshift(bits, 16), 255), band(rshift(bits, 8), 255), band(bits, 255))
  local H = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
  for n = 1, 8 do H[n] = tobit(H[n]) end
  local w = {}
  for block = 1, #msg, 64 do
    for j = 1, 16 do
      local b1, b2, b3, b4 = string.byte(msg, block + (j - 1) * 4, block + (j - 1) * 4 + 3)
      w[j] = tobit(b1 * 16777216 + b2 * 65536 + b3 * 256 + b4)
    end
    for j = 17, 64 do
      local x, y = w[j - 15], w[j - 2]
      local s0 = bxor(ror(x, 7), ror(x, 18), rshift(x, 3))
      local s1 = bxor(ror(y, 17), ror(y, 19), rshift(y, 10))
      w[j] = tobit(w[j - 16] + s0 + w[j - 7] + s1)
    end
    local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
    for j = 1, 64 do
      local s1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = tobit(h + s1 + ch + SHA256_K[j] + w[j])
      local s0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + s0 + maj)
    end
    H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
    H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
  end
  local out = {}
  for n = 1, 8 do
    local v = H[n]
    out[n] = string.char(band(rshift(v, 24), 255), band(rshift(v, 16), 255), band(rshift(v, 8), 255), band(v, 255))
  end
  return table.concat(out)
end

local BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

-- The first 22 base64url characters of `bytes` (18 bytes or more).
local function base64url22(bytes)
  local out = {}
  for i = 1, 18, 3 do
    local b1, b2, b3 = string.byte(bytes, i, i + 2)
    local n = b1 * 65536 + b2 * 256 + b3
    for shift = 18, 0, -6 do
      local c = math.floor(n / 2 ^ shift) % 64
      out[#out + 1] = string.sub(BASE64URL, c + 1, c + 1)
    end
  end
  return string.sub(table.concat(out), 1, 22)
end

local PLAIN_WORKFLOW_JOB_CHARS = 96

local function workflow_job_id(queue, workflow_id, step, child, retries)
  local tail = step
  if child then tail = tail .. '.' .. child end
  if retries > 0 then tail = tail .. '.r' .. string.format('%d', retries) end
  if #workflow_id + 1 + #tail <= PLAIN_WORKFLOW_JOB_CHARS then
    return queue .. ':' .. workflow_id .. '.' .. tail
  end
  return queue .. ':' .. workflow_id .. ':' .. base64url22(sha256(tail))
end

-- Whether `from` (a job id, or '' for none given) may claim or record for a unit at
-- `retries` [W2, W3]: any job before the unit's first retry; after one, only the unit's own
-- (its id is computed only then).
local function current_job(queue, workflow_id, step, child, retries, from)
  return from == '' or (retries or 0) == 0
    or from == workflow_job_id(queue, workflow_id, step, child, retries)
end
