// js-guard: a tool-policy security guard written in JavaScript, built with
// @bytecodealliance/componentize-js (StarlingMonkey) against wit/guard.wit.
//
// - connection: denies `blocked_servers` (`server_blocked`).
// - tools_list: denies more than `max_tools` tools (`too_many_tools`) and blocked tools
//   (`tool_blocked`); warns about tools without a description.
// - tool_invoke: denies blocked tools and arguments larger than `max_argument_bytes`
//   (`arguments_too_large`); masks e-mail addresses (modify); warns about URLs whose host
//   is not in `allowed_hosts`.
// - response: masks e-mail addresses (modify); warns about URLs outside `allowed_hosts`.
//
// Config is read through the host's `get-config` on every call; a missing key falls back
// to DEFAULTS. A thrown error is the hook's `Err` (the host's failure_mode decides).

import { getConfig, log } from 'mcp:security-guard/host@0.1.0';

const LOG_DEBUG = 1;
const LOG_INFO = 2;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const EMAIL_MASK = '[EMAIL]';
const URL_HOST = /\bhttps?:\/\/([^\s/:?#"']+)/gi;

const DEFAULTS = {
  blocked_servers: [],
  blocked_tools: ['shell_exec', 'eval_*'],
  max_tools: 100,
  max_argument_bytes: 65536,
  mask_emails: true,
  allowed_hosts: [],
};

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'js-guard settings',
  type: 'object',
  additionalProperties: false,
  properties: {
    blocked_servers: {
      description: 'Server names refused at connection.',
      type: 'array',
      items: { type: 'string' },
    },
    blocked_tools: {
      description: "Tool names refused; a trailing '*' matches a prefix.",
      type: 'array',
      items: { type: 'string', minLength: 1 },
    },
    max_tools: { description: 'Most tools one tools/list may announce.', type: 'integer', minimum: 0 },
    max_argument_bytes: {
      description: "Largest tools/call arguments (UTF-8 bytes of their JSON).",
      type: 'integer',
      minimum: 0,
    },
    mask_emails: { description: 'Mask e-mail addresses in arguments and responses.', type: 'boolean' },
    allowed_hosts: {
      description: 'Hosts URLs may point to; other hosts are warned about. Empty: no check.',
      type: 'array',
      items: { type: 'string' },
    },
  },
};

function setting(key) {
  const text = getConfig(key);
  return text === '' ? DEFAULTS[key] : JSON.parse(text);
}

function deny(code, message, details) {
  return { tag: 'deny', val: { code, message, details: JSON.stringify(details) } };
}

function isBlockedTool(name) {
  return setting('blocked_tools').find((rule) =>
    rule.endsWith('*') ? name.startsWith(rule.slice(0, -1)) : name === rule,
  );
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw `${what} is not valid JSON: ${e.message}`;
  }
}

// The value with every e-mail address in its strings masked, and whether any was.
function maskEmails(value) {
  if (typeof value === 'string') {
    const masked = value.replace(EMAIL, EMAIL_MASK);
    return [masked, masked !== value];
  }
  if (Array.isArray(value)) {
    const pairs = value.map(maskEmails);
    return [pairs.map(([v]) => v), pairs.some(([, c]) => c)];
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      const [m, c] = maskEmails(v);
      out[k] = m;
      changed ||= c;
    }
    return [out, changed];
  }
  return [value, false];
}

function foreignHosts(text) {
  const allowed = setting('allowed_hosts');
  if (allowed.length === 0) return [];
  const hosts = [...text.matchAll(URL_HOST)].map((m) => m[1].toLowerCase());
  return [...new Set(hosts)].filter((h) => !allowed.includes(h));
}

function maskOrWarn(value, text, rewrap) {
  if (setting('mask_emails')) {
    const [masked, changed] = maskEmails(value);
    if (changed) return { tag: 'modify', val: JSON.stringify(rewrap(masked)) };
  }
  const hosts = foreignHosts(text);
  if (hosts.length > 0) {
    return { tag: 'warn', val: hosts.map((h) => `URL to a host outside allowed_hosts: ${h}`) };
  }
  return { tag: 'allow' };
}

export const guard = {
  evaluateServerConnection(context) {
    log(LOG_DEBUG, `connection to ${context.serverName}`);
    if (setting('blocked_servers').includes(context.serverName)) {
      return deny('server_blocked', `server ${context.serverName} is blocked`, {
        server: context.serverName,
      });
    }
    return { tag: 'allow' };
  },

  evaluateToolsList(tools, context) {
    const max = setting('max_tools');
    if (tools.length > max) {
      return deny('too_many_tools', `${tools.length} tools, more than max_tools = ${max}`, {
        count: tools.length,
        max_tools: max,
      });
    }
    for (const tool of tools) {
      const rule = isBlockedTool(tool.name);
      if (rule) {
        return deny('tool_blocked', `tool ${tool.name} is blocked by ${rule}`, { tool: tool.name, rule });
      }
    }
    const undocumented = tools.filter((t) => !t.description).map((t) => `tool ${t.name} has no description`);
    return undocumented.length > 0 ? { tag: 'warn', val: undocumented } : { tag: 'allow' };
  },

  evaluateToolInvoke(toolName, args, context) {
    const rule = isBlockedTool(toolName);
    if (rule) {
      return deny('tool_blocked', `tool ${toolName} is blocked by ${rule}`, { tool: toolName, rule });
    }
    const bytes = new TextEncoder().encode(args).length;
    const max = setting('max_argument_bytes');
    if (bytes > max) {
      return deny('arguments_too_large', `arguments are ${bytes} bytes, more than ${max}`, {
        tool: toolName,
        bytes,
        max_argument_bytes: max,
      });
    }
    const decision = maskOrWarn(parseJson(args, 'arguments'), args, (a) => ({ tool: toolName, arguments: a }));
    if (decision.tag === 'modify') log(LOG_INFO, `masked e-mail addresses in ${toolName}`);
    return decision;
  },

  evaluateResponse(response, context) {
    return maskOrWarn(parseJson(response, 'response'), response, (r) => r);
  },

  getSettingsSchema() {
    return JSON.stringify(SCHEMA);
  },

  getDefaultConfig() {
    return JSON.stringify(DEFAULTS);
  },
};
