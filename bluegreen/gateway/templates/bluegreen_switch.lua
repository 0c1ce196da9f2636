-- The runtime colour switch (installed by bluegreen-gateway next to its nginx include).
-- The active colour lives in the `bluegreen` lua_shared_dict; `default` is the colour the agent
-- last applied, rendered into the config for the moment after an nginx start when the dict is
-- empty. Colours are validated here too: nothing but "blue" or "green" is ever stored or served.
local M = {}

local COLORS = { blue = true, green = true }
local OTHER = { blue = "green", green = "blue" }

local function dict()
    return ngx.shared.bluegreen
end

-- The active colour and where it came from ("dict", "default"), or "" and "none".
local function current(default)
    local color = dict():get("color")
    if COLORS[color] then
        return color, "dict"
    end
    if COLORS[default] then
        return default, "default"
    end
    return "", "none"
end

function M.active(default)
    local color = current(default)
    return color
end

function M.idle(default)
    local color = current(default)
    return OTHER[color] or ""
end

local function reply(status, body)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    ngx.say(body)
    return ngx.exit(status)
end

local function status_body(default)
    local color, source = current(default)
    local version = dict():get("version")
    local version_text = "null"
    if source == "dict" and type(version) == "number" then
        version_text = string.format("%d", version)
    end
    return string.format('{"color":"%s","source":"%s","version":%s,"pid":%d}', color, source, version_text,
        ngx.worker.pid())
end

function M.admin(default)
    local method = ngx.req.get_method()
    if method == "GET" or method == "HEAD" then
        return reply(200, status_body(default))
    end
    if method ~= "PUT" and method ~= "POST" then
        return reply(405, '{"error":"use GET or PUT"}')
    end
    local args = ngx.req.get_uri_args(4)
    local color = args.color
    local version = tonumber(args.version)
    if type(color) ~= "string" or not COLORS[color] then
        return reply(400, '{"error":"color must be exactly blue or green"}')
    end
    if type(args.version) ~= "string" or not string.match(args.version, "^[0-9]+$") or not version
        or version < 1 then
        return reply(400, '{"error":"version must be a positive integer"}')
    end
    -- version first: a reader that sees the new colour also sees its version.
    local ok, err = dict():set("version", version)
    if ok then
        ok, err = dict():set("color", color)
    end
    if not ok then
        return reply(500, string.format('{"error":"shared dict: %s"}', tostring(err)))
    end
    return reply(200, status_body(default))
end

return M
