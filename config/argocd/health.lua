-- Argo CD health check for stacks.eventstack.io/EventDrivenStack.
--
-- The operator reports kstatus conditions: Ready always, Reconciling and
-- Stalled only while true; status.observedGeneration is the generation of the
-- spec they describe. Until the operator has observed the latest spec, its
-- conditions speak of an older one, so the generation is read first (as
-- kstatus does): a stack whose Stalled spec was just fixed is Progressing, not
-- still Degraded, and a sync wave does not fail on a stale condition.
--
-- Argo CD runs a health check from argocd-cm without Lua's string library
-- (resource.customizations.useOpenLibs is off by default): this script uses
-- the base and table functions only.
local hs = {}

local function condition(status, conditionType)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local generation = obj.metadata.generation or 0
local observed = 0
if obj.status ~= nil and obj.status.observedGeneration ~= nil then
  observed = obj.status.observedGeneration
end

if observed < generation then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe generation " .. generation
  if observed > 0 then
    hs.message = hs.message .. " (the status describes generation " .. observed .. ")"
  end
  return hs
end

local stalled = condition(obj.status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message or stalled.reason or "Stalled"
  return hs
end

local ready = condition(obj.status, "Ready")
if ready ~= nil and ready.status == "True" then
  -- An alarm in ALARM leaves the stack Healthy (its infrastructure is what
  -- the spec says; its work fails): the message says which alarms fire.
  -- Degraded would fail sync waves and flap with traffic.
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  local alarming = condition(obj.status, "Alarming")
  if alarming ~= nil and alarming.status == "True" then
    hs.message = "Ready, but alarming: " .. (alarming.message or alarming.reason or "an alarm is in ALARM")
  end
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil then
  hs.message = ready.message
else
  hs.message = "waiting for the operator to report Ready"
end
return hs
