// A security guard written in JavaScript, built with @bytecodealliance/componentize-js
// against wit/guard.wit.
//
// - tools_list: denies a tool in `blocked_tools` (`tool_blocked`); warns about tools
//   without a description when `warn_undocumented` is set.
// - tool_invoke: denies a call to a tool in `blocked_tools` (`tool_blocked`).
// - connection, response: allow.
//
// Config is read through the host's `get-config` on every call; a missing key falls back
// to DEFAULTS. A thrown error is the hook's `Err` (the host's failure_mode decides).
//
// Build: npm install && guardhouse build .

import { getConfig, log } from 'mcp:security-guard/host@0.1.0';

const LOG_DEBUG = 1;

const DEFAULTS = {
  blocked_tools: ['drop_db', 'shell_exec'],
  warn_undocumented: true,
};

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'guard settings',
  type: 'object',
  additionalProperties: false,
  properties: {
    blocked_tools: {
      description: 'Tool names that are refused (exact match).',
      type: 'array',
      items: { type: 'string', minLength: 1 },
    },
    warn_undocumented: {
      description: 'Warn about tools announced without a description.',
      type: 'boolean',
    },
  },
};

// The configured value of `key` (get-config returns JSON text, or '' when unset).
function setting(key) {
  const text = getConfig(key);
  return text === '' ? DEFAULTS[key] : JSON.parse(text);
}

function blocked(toolName) {
  return {
    tag: 'deny',
    val: { code: 'tool_blocked', message: `tool ${toolName} is blocked`, details: JSON.stringify({ tool: toolName }) },
  };
}

export const guard = {
  evaluateServerConnection(context) {
    return { tag: 'allow' };
  },

  evaluateToolsList(tools, context) {
    log(LOG_DEBUG, `${tools.length} tools from ${context.serverName}`);
    const blockedTools = setting('blocked_tools');
    const hit = tools.find((t) => blockedTools.includes(t.name));
    if (hit) return blocked(hit.name);
    if (setting('warn_undocumented')) {
      const warnings = tools.filter((t) => !t.description).map((t) => `tool ${t.name} has no description`);
      if (warnings.length > 0) return { tag: 'warn', val: warnings };
    }
    return { tag: 'allow' };
  },

  evaluateToolInvoke(toolName, args, context) {
    return setting('blocked_tools').includes(toolName) ? blocked(toolName) : { tag: 'allow' };
  },

  evaluateResponse(response, context) {
    return { tag: 'allow' };
  },

  getSettingsSchema() {
    return JSON.stringify(SCHEMA);
  },

  getDefaultConfig() {
    return JSON.stringify(DEFAULTS);
  },
};
