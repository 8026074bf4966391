"""python-guard: a stateful security guard written in Python, built with componentize-py.

It implements every hook of `mcp:security-guard@0.1.0` (see wit/guard.wit):

- connection: counts connections per server in this instance (a real limit only with
  `instance: persistent`; a `per_call` instance always starts from zero) and denies past
  `max_calls` with `too_many_connections`; warns when the server URL is not https.
- tools_list: denies a tool whose name or description matches one of `patterns`
  (`pattern_blocked`); pins a sha256 fingerprint of each server's tool set and, when it
  changes, acts as `on_tools_change` says (allow, warn, or deny `tools_changed`).
- tool_invoke: denies arguments matching `patterns`; masks the values of `redact_keys`
  (modify); invalid JSON arguments are an `Err` (the host's failure_mode decides).
- response: masks `redact_keys` (modify), warns on text matching `patterns`.

Config is read through the host's `get-config` on every call; a missing key falls back to
DEFAULTS. Only the standard library is used (json, hashlib, re).
"""

import hashlib
import json
import re

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.guard import (
    Decision,
    Decision_Allow,
    Decision_Deny,
    Decision_Modify,
    Decision_Warn,
    DenyReason,
    GuardContext,
    Tool,
)
from wit_world.imports import host

LOG_DEBUG = 1
LOG_INFO = 2
LOG_WARN = 3

REDACTED = "[redacted]"
FINGERPRINT_CHARS = 12

DEFAULTS = {
    "patterns": [r"rm\s+-rf", r"\bdrop\s+table\b", r"curl[^|]*\|\s*(ba)?sh"],
    "max_calls": 100,
    "redact_keys": ["password", "token", "api_key", "secret"],
    "on_tools_change": "warn",
    "require_https": True,
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "python-guard settings",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "patterns": {
            "description": "Regular expressions (Python `re`, case-insensitive) that block "
            "tool names, descriptions and arguments, and flag responses.",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        },
        "max_calls": {
            "description": "Connections allowed per server name in one instance "
            "(meaningful with `instance: persistent`).",
            "type": "integer",
            "minimum": 0,
        },
        "redact_keys": {
            "description": "Object keys whose values are masked in arguments and responses "
            "(case-insensitive).",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        },
        "on_tools_change": {
            "description": "What to do when a server's tool set differs from the pinned one.",
            "enum": ["allow", "warn", "deny"],
        },
        "require_https": {
            "description": "Warn when a server URL is not https.",
            "type": "boolean",
        },
    },
}

# State that outlives a call when the host keeps the instance (`instance: persistent`).
connections: dict[str, int] = {}
fingerprints: dict[str, str] = {}


def setting(key: str):
    """The configured value of `key` (get-config returns JSON text, or "" when unset)."""
    text = host.get_config(key)
    return json.loads(text) if text else DEFAULTS[key]


def compiled_patterns() -> list[re.Pattern]:
    try:
        return [re.compile(p, re.IGNORECASE) for p in setting("patterns")]
    except re.error as e:
        raise Err(f"invalid pattern in config: {e}")


def first_match(patterns: list[re.Pattern], text: str):
    for p in patterns:
        m = p.search(text)
        if m:
            return p.pattern, m.group(0)
    return None


def deny(code: str, message: str, **details) -> Decision:
    return Decision_Deny(DenyReason(code, message, json.dumps(details, sort_keys=True)))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def redact(value, keys: set[str]):
    """`value` with every value under a key in `keys` masked, and whether anything was."""
    if isinstance(value, dict):
        out, changed = {}, False
        for k, v in value.items():
            if k.lower() in keys:
                out[k], changed = REDACTED, True
            else:
                out[k], c = redact(v, keys)
                changed = changed or c
        return out, changed
    if isinstance(value, list):
        pairs = [redact(v, keys) for v in value]
        return [v for v, _ in pairs], any(c for _, c in pairs)
    return value, False


def parse_json(text: str, what: str):
    try:
        return json.loads(text)
    except ValueError as e:
        raise Err(f"{what} is not valid JSON: {e}")


def tools_fingerprint(tools: list[Tool]) -> str:
    canonical = sorted(
        [t.name, t.description or "", json.dumps(json.loads(t.input_schema), sort_keys=True)]
        for t in tools
    )
    return sha256_hex(json.dumps(canonical, separators=(",", ":")))


class Guard(exports.Guard):
    def evaluate_server_connection(self, context: GuardContext) -> Decision:
        server = context.server_name
        calls = connections.get(server, 0) + 1
        connections[server] = calls
        url = context.server_url or ""
        fingerprint = sha256_hex(f"{server}\n{url}")[:FINGERPRINT_CHARS]
        host.log(LOG_DEBUG, f"connection {calls} to {server} ({fingerprint})")
        max_calls = setting("max_calls")
        if calls > max_calls:
            return deny(
                "too_many_connections",
                f"server {server} was connected {calls} times, more than max_calls = {max_calls}",
                server=server,
                calls=calls,
                max_calls=max_calls,
            )
        if url and setting("require_https") and not re.match(r"(?i)https://", url):
            return Decision_Warn([f"server {server} uses a non-https URL: {url}"])
        return Decision_Allow()

    def evaluate_tools_list(self, tools: list[Tool], context: GuardContext) -> Decision:
        patterns = compiled_patterns()
        for tool in tools:
            for field, text in (("name", tool.name), ("description", tool.description or "")):
                hit = first_match(patterns, text)
                if hit:
                    return deny(
                        "pattern_blocked",
                        f"tool {tool.name}: {field} matches {hit[0]!r}",
                        tool=tool.name,
                        field=field,
                        pattern=hit[0],
                    )
        return self.check_fingerprint(context.server_name, tools_fingerprint(tools))

    def check_fingerprint(self, server: str, new: str) -> Decision:
        old = fingerprints.get(server)
        if old is None or old == new:
            fingerprints[server] = new
            return Decision_Allow()
        action = setting("on_tools_change")
        message = (
            f"tool set of server {server} changed: "
            f"{old[:FINGERPRINT_CHARS]} -> {new[:FINGERPRINT_CHARS]}"
        )
        host.log(LOG_WARN, message)
        if action == "deny":
            return deny("tools_changed", message, server=server, pinned=old, seen=new)
        fingerprints[server] = new
        return Decision_Warn([message]) if action == "warn" else Decision_Allow()

    def evaluate_tool_invoke(self, tool_name: str, arguments: str, context: GuardContext) -> Decision:
        args = parse_json(arguments, "arguments")
        hit = first_match(compiled_patterns(), f"{tool_name}\n{arguments}")
        if hit:
            return deny(
                "pattern_blocked",
                f"call to {tool_name} matches {hit[0]!r}",
                tool=tool_name,
                pattern=hit[0],
                match=hit[1],
            )
        masked, changed = redact(args, {k.lower() for k in setting("redact_keys")})
        if changed:
            host.log(LOG_INFO, f"redacted arguments of {tool_name}")
            return Decision_Modify(json.dumps({"tool": tool_name, "arguments": masked}))
        return Decision_Allow()

    def evaluate_response(self, response: str, context: GuardContext) -> Decision:
        value = parse_json(response, "response")
        masked, changed = redact(value, {k.lower() for k in setting("redact_keys")})
        if changed:
            return Decision_Modify(json.dumps(masked))
        hit = first_match(compiled_patterns(), response)
        if hit:
            return Decision_Warn([f"response from {context.server_name} matches {hit[0]!r}"])
        return Decision_Allow()

    def get_settings_schema(self) -> str:
        return json.dumps(SCHEMA)

    def get_default_config(self) -> str:
        return json.dumps(DEFAULTS)
