-- wrk script for rung cluster (scripts/benchlib/cluster.sh): POST /v1/check cycling
-- through the keys of @KEYS@ (one per line), each thread from its own offset, so that
-- every key comes back at a steady interval; counts 200 and 429 answers per thread.
local threads, counter = {}, 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local body = '{"operations": [{"type": "llm_call", "model": "llama-3", "provider": "internal", "tokens": 10}]}'
local keys, i = {}, 0
ok, limited, other = 0, 0, 0

function init(args)
  for line in io.lines("@KEYS@") do keys[#keys + 1] = line end
  i = (id * 4999) % #keys
end

function request()
  i = i % #keys + 1
  return wrk.format("POST", "/v1/check", { ["Content-Type"] = "application/json", ["X-API-Key"] = keys[i] }, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 429 then limited = limited + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, l, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("ok")
    l = l + thread:get("limited")
    o = o + thread:get("other")
  end
  io.write(string.format("statuses: 200 %d 429 %d other %d\n", a, l, o))
end
