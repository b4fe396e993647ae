-- Argo CD health check for transmog.io/SchemaMigration.
--   Succeeded, Validated       -> Healthy
--   Paused, AwaitingCutOver    -> Suspended  (waiting for a person: spec.paused / spec.cutOver.approved)
--   Failed                     -> Degraded
--   anything else, or no phase -> Progressing
-- Install: see argocd-cm.yaml beside this file (the same script, inlined).
-- Runs in Argo CD's default sandbox: base, table, package only (no useOpenLibs needed).
local hs = {}
local phase = nil
local detail = nil
if obj.status ~= nil then
  phase = obj.status.phase
  detail = obj.status.message
end

if phase == "Succeeded" or phase == "Validated" then
  hs.status = "Healthy"
elseif phase == "Paused" or phase == "AwaitingCutOver" then
  hs.status = "Suspended"
elseif phase == "Failed" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end

local message = phase
if message == nil then
  message = "waiting for the transmog operator"
end
-- Argo CD opens no math (nor string) library for health scripts: "p - p % 1" is math.floor(p) for p >= 0.
if phase == "Copying" and obj.status.progress ~= nil and obj.status.progress.percent ~= nil then
  local percent = obj.status.progress.percent
  message = message .. " " .. tostring(percent - percent % 1) .. "%"
end
if detail ~= nil and detail ~= "" then
  message = message .. ": " .. detail
end
hs.message = message
return hs
