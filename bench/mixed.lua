-- Mixed load for bench/pg.sh: 16 report-page reads, 3 dashboard reads and 1 comment (a write
-- with its audit event) in every 20 requests. COOKIE and CSRF come from the environment.
local counter = 0
local cookie = "chancery_session=" .. os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")
local report = "/taskings/CHN-2026-0001/reports/OTTAWA"

request = function()
  counter = counter + 1
  local slot = counter % 20
  if slot == 0 then
    local body = "csrf=" .. csrf .. "&body=Load+test+comment+" .. counter
    return wrk.format("POST", report .. "/comments", {
      ["Cookie"] = cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  elseif slot <= 3 then
    return wrk.format("GET", "/", { ["Cookie"] = cookie })
  else
    return wrk.format("GET", report, { ["Cookie"] = cookie })
  end
end
