-- wrk script for `make bench`: every request is a new, valid lead of the
-- bench firm (with `data`, an assignee) and carries an Idempotency-Key of
-- its own, so each one is a real create (no replay, no dedupe).
--
-- Environment: BENCH_KEY (lak_ key), BENCH_MEMBER (assignee UUID),
-- BENCH_NO_IDEM=1 (leave the Idempotency-Key out),
-- BENCH_RUN (a tag unique to this wrk run: keys and emails stay unique
-- across the runs of one bench).
--
-- done() prints one machine-readable line for t/bench/run.sh:
--   WRK requests=N duration_us=N non2xx=N errors=N p50_us=N p99_us=N ...
-- Statuses are counted by wrk itself (summary.errors.status: non-2xx/3xx),
-- no response() hook, so the client stays as light as it can.

local key = os.getenv("BENCH_KEY") or error("BENCH_KEY is not set")
local member = os.getenv("BENCH_MEMBER") or error("BENCH_MEMBER is not set")
local run = os.getenv("BENCH_RUN") or "run"
-- BENCH_NO_IDEM=1: no Idempotency-Key, to measure what the key costs
local no_idem = os.getenv("BENCH_NO_IDEM") == "1"

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local n = 0
local cases = { "Family", "Criminal", "Immigration" }

function init(args)
    wrk.method = "POST"
    wrk.path = "/api/leads"
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    n = n + 1
    local id = run .. "-" .. tid .. "-" .. n
    if not no_idem then
        wrk.headers["Idempotency-Key"] = "bench-" .. id
    end
    local body = string.format(
        '{"first_name":"Ada","last_name":"Lovelace %d","email":"ada.%s@example.com",' ..
        '"phone":"+1 415 555 %04d","source":"bench","assignee_id":"%s",' ..
        '"data":{"caseType":"%s"}}',
        n, id, n % 10000, member, cases[n % 3 + 1])
    return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRK requests=%d duration_us=%d non2xx=%d errors=%d connect=%d " ..
        "read=%d write=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d " ..
        "max_us=%d mean_us=%.0f\n",
        summary.requests, summary.duration, e.status,
        e.connect + e.read + e.write + e.timeout,
        e.connect, e.read, e.write, e.timeout,
        latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max, latency.mean))
end
