-- wrk script: GET /GetImagePipeline?imagePipelineArn=<urlencoded arn> exactly as boto3's
-- get_image_pipeline sends it, cycling through the pipeline ARNs listed (one a line) in ARN_FILE.
--   wrk -t2 -c32 -d10s -s bench/get_pipeline.lua http://127.0.0.1:PORT -- ARN_FILE
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrk_common.lua")

local headers = {}
for k, v in pairs(common.headers) do headers[k] = v end

local paths = {}
local index = 0

function init(args)
  local file = assert(io.open(assert(args[1], "usage: -- ARN_FILE"), "r"))
  for line in file:lines() do
    if line ~= "" then
      table.insert(paths, "/GetImagePipeline?imagePipelineArn=" .. common.urlencode(line))
    end
  end
  file:close()
  assert(#paths > 0, "no ARNs in " .. args[1])
  index = (tid or 0) * 7
end

function request()
  index = index + 1
  return wrk.format("GET", paths[(index % #paths) + 1], headers)
end
