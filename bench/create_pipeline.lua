-- wrk script: PUT /CreateImagePipeline exactly as boto3's create_image_pipeline sends it.
--   wrk -t2 -c32 -d10s -s bench/create_pipeline.lua http://127.0.0.1:PORT -- RECIPE_ARN INFRA_ARN [PREFIX]
-- Every request has a unique name and clientToken: PREFIX (random, given by bench/run.py or read
-- from /dev/urandom), the wrk thread number and a per-thread counter.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "wrk_common.lua")

local headers = {}
for k, v in pairs(common.headers) do headers[k] = v end
headers["Content-Type"] = "application/json"

local recipe, infra, prefix
local counter = 0

function init(args)
  recipe = assert(args[1], "usage: -- RECIPE_ARN INFRA_ARN [PREFIX]")
  infra = assert(args[2], "usage: -- RECIPE_ARN INFRA_ARN [PREFIX]")
  prefix = args[3] or common.random_hex(4)
  prefix = prefix .. "-" .. tostring(tid or 0) .. "-" .. common.random_hex(2)
end

function request()
  counter = counter + 1
  local id = prefix .. "-" .. counter
  -- json.dumps layout, member order as boto3 serializes them (clientToken filled in last).
  local body = '{"name": "wrk-' .. id .. '", "imageRecipeArn": "' .. recipe ..
      '", "infrastructureConfigurationArn": "' .. infra .. '", "clientToken": "' .. id .. '"}'
  headers["amz-sdk-invocation-id"] = id
  return wrk.format("PUT", "/CreateImagePipeline", headers, body)
end
