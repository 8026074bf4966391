"""A security guard written in Python, built with componentize-py against wit/guard.wit.

- tools_list: denies a tool in `blocked_tools` (`tool_blocked`); warns about tools without
  a description when `warn_undocumented` is set.
- tool_invoke: denies a call to a tool in `blocked_tools` (`tool_blocked`).
- connection, response: allow.

Config is read through the host's `get-config` on every call; a missing key falls back to
DEFAULTS. Raising `Err(message)` fails the hook (the host's failure_mode decides).

Build: guardhouse build .   (needs `pip install componentize-py==0.25.1`)
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.guard import (
    Decision,
    Decision_Allow,
    Decision_Deny,
    Decision_Warn,
    DenyReason,
    GuardContext,
    Tool,
)
from wit_world.imports import host

LOG_DEBUG = 1

DEFAULTS = {
    "blocked_tools": ["drop_db", "shell_exec"],
    "warn_undocumented": True,
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "guard settings",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "blocked_tools": {
            "description": "Tool names that are refused (exact match).",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        },
        "warn_undocumented": {
            "description": "Warn about tools announced without a description.",
            "type": "boolean",
        },
    },
}


def setting(key: str):
    """The configured value of `key` (get-config returns JSON text, or "" when unset)."""
    text = host.get_config(key)
    try:
        return json.loads(text) if text else DEFAULTS[key]
    except ValueError as e:
        raise Err(f"setting {key} is not valid JSON: {e}")


def blocked(tool_name: str) -> Decision:
    details = json.dumps({"tool": tool_name})
    return Decision_Deny(DenyReason("tool_blocked", f"tool {tool_name} is blocked", details))


class Guard(exports.Guard):
    def evaluate_server_connection(self, context: GuardContext) -> Decision:
        return Decision_Allow()

    def evaluate_tools_list(self, tools: list[Tool], context: GuardContext) -> Decision:
        host.log(LOG_DEBUG, f"{len(tools)} tools from {context.server_name}")
        blocked_tools = set(setting("blocked_tools"))
        for tool in tools:
            if tool.name in blocked_tools:
                return blocked(tool.name)
        if setting("warn_undocumented"):
            warnings = [f"tool {t.name} has no description" for t in tools if not t.description]
            if warnings:
                return Decision_Warn(warnings)
        return Decision_Allow()

    def evaluate_tool_invoke(self, tool_name: str, arguments: str, context: GuardContext) -> Decision:
        if tool_name in setting("blocked_tools"):
            return blocked(tool_name)
        return Decision_Allow()

    def evaluate_response(self, response: str, context: GuardContext) -> Decision:
        return Decision_Allow()

    def get_settings_schema(self) -> str:
        return json.dumps(SCHEMA)

    def get_default_config(self) -> str:
        return json.dumps(DEFAULTS)
