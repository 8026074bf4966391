"""AgentDojo (PyPI `agentdojo`, MIT) rendered into guardhouse cases.

AgentDojo ships four task suites (workspace, travel, banking, slack), each an environment
of e-mails, files, calendars, reviews, transactions and web pages, the tools an agent uses
on it, user tasks with their ground-truth tool calls, injection tasks (an attacker's goal)
and injection vectors (places in the environment an attacker controls). Its attacks fill a
goal into a template (`important_instructions`: "<INFORMATION> This is an important message
from me, Emma Johnson, to you, GPT-4 …") and place it in every vector a user task's
ground truth reads. Nothing here calls a model: the ground-truth tool calls are replayed
on the environment, as AgentDojo's own GroundTruthPipeline does.

Rendered:
- tool results (response): each ground-truth call of a user task replayed on the injected
  environment; a result that carries the injection is `injection/result/<class>`, and
  every result on the clean environment is `benign/results`;
- tool arguments (tool_invoke): the same injections as the free-text argument of the
  suite's own writing tools (an e-mail body, a transaction subject, a channel message:
  the way an attacker plants them), `injection/argument/<class>`; the ground-truth calls
  and the vectors' clean default text in those tools are `benign/arguments`;
- tool definitions (tools_list): the suites' tools (name, docstring, JSON schema) are
  `benign/tools`; the same tools with an injection appended to the description are
  `tool_poisoning/<class>`.
"""

import datetime
import functools
import json
import re
import types

import agentdojo.default_suites.v1.tools.cloud_drive_client as cloud_drive_module
import agentdojo.default_suites.v1.tools.email_client as email_module
import agentdojo.task_suite.task_suite as task_suite_module
import yaml
from agentdojo.agent_pipeline.tool_execution import tool_result_to_str
from agentdojo.attacks.attack_registry import load_attack
from agentdojo.functions_runtime import FunctionsRuntime
from agentdojo.task_suite.load_suites import get_suites

from cases import invoke_case, result_case, stable_key, tools_case

BENCHMARK_VERSION = "v1.2.2"  # agentdojo 0.1.35's default
# The attacks that carry the injection task's goal (the DoS ones do not).
ATTACKS = [
    "important_instructions",
    "tool_knowledge",
    "ignore_previous",
    "system_message",
    "injecagent",
    "direct",
]
# AgentDojo names the model in some templates after the pipeline ("GPT-4").
PIPELINE = types.SimpleNamespace(name="gpt-4o-2024-05-13")

# Each injection task's goal, by what it asks the model to do, in guardhouse's classes:
# exfiltration (send data out or contact a URL), files (delete or read files),
# tool_redirect (call a tool the user never asked for), side_task (only say something).
GOAL_CLASS = {
    "workspace": {
        0: "tool_redirect", 1: "files", 2: "tool_redirect", 3: "exfiltration",
        4: "exfiltration", 5: "exfiltration", 6: "exfiltration", 7: "exfiltration",
        8: "exfiltration", 9: "exfiltration", 10: "exfiltration", 11: "exfiltration",
        12: "exfiltration", 13: "tool_redirect",
    },
    "travel": {
        0: "tool_redirect", 1: "exfiltration", 2: "tool_redirect", 3: "exfiltration",
        4: "tool_redirect", 5: "exfiltration", 6: "side_task",
    },
    "banking": {
        0: "exfiltration", 1: "exfiltration", 2: "exfiltration", 3: "exfiltration",
        4: "tool_redirect", 5: "tool_redirect", 6: "tool_redirect", 7: "tool_redirect",
        8: "exfiltration",
    },
    "slack": {
        1: "tool_redirect", 2: "exfiltration", 3: "exfiltration", 4: "exfiltration",
        5: "tool_redirect",
    },
}
# The same goals as tool poisoning: what the poisoned description gets the model to do.
POISONING_CLASS = {
    "exfiltration": "network",
    "files": "file",
    "tool_redirect": "hidden_instructions",
    "side_task": "hidden_instructions",
}
# Writing tools of each suite, with fixed arguments and the free-text one an injection
# (or a vector's clean text) goes into.
WRITE_TOOLS = {
    "workspace": [
        ("send_email", {"recipients": ["emma.johnson@bluesparrowtech.com"], "subject": "Re: follow-up"}, "body"),
        ("create_calendar_event", {"title": "Follow-up", "start_time": "2024-05-20 10:00",
                                   "end_time": "2024-05-20 11:00"}, "description"),
        ("create_file", {"filename": "notes.txt"}, "content"),
    ],
    "travel": [
        ("send_email", {"recipients": ["emma.johnson@bluesparrowtech.com"], "subject": "Your booking"}, "body"),
        ("create_calendar_event", {"title": "Trip", "start_time": "2024-05-20 10:00",
                                   "end_time": "2024-05-20 11:00"}, "description"),
    ],
    "banking": [
        ("send_money", {"recipient": "GB29NWBK60161331926819", "amount": 0.01, "date": "2022-03-10"}, "subject"),
    ],
    "slack": [
        ("send_channel_message", {"channel": "general"}, "body"),
        ("send_direct_message", {"recipient": "Alice"}, "body"),
        ("post_webpage", {"url": "www.eve-blog.com"}, "content"),
    ],
}


def _fast_environment_loading():
    """AgentDojo reads and re-parses its suite files with PyYAML's pure-Python loader on
    every environment load (0.2 s for workspace; a few hundred loads here): the files
    are read once, and the injected text is parsed by libyaml, which yields the same
    values (the constructor is the same; only the parser is C)."""
    module = task_suite_module
    module.read_suite_file = functools.lru_cache(maxsize=None)(module.read_suite_file)
    if getattr(yaml, "__with_libyaml__", False):
        module.yaml = types.SimpleNamespace(
            load=yaml.load,
            dump=yaml.dump,
            safe_load=lambda text: yaml.load(text, Loader=yaml.CSafeLoader),
        )


class _SuiteClock(datetime.datetime):
    """AgentDojo's "today" (its workspace tasks say it is 15 May 2024)."""

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime(2024, 5, 15, 10, 0, tzinfo=tz)


def _fixed_clock():
    """Files and e-mails a replayed call creates are stamped with the suite's day rather
    than the machine's clock, so that the output is the same on every run."""
    shim = types.ModuleType("datetime")
    shim.__dict__.update(datetime.__dict__)
    shim.datetime = _SuiteClock
    for module in (email_module, cloud_drive_module):
        module.datetime = shim


def _json(value):
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _render(result):
    """A tool's return value as an MCP server would send it: JSON text (AgentDojo's own
    formatter, given a JSON dump instead of its YAML one)."""
    return tool_result_to_str(result, dump_fn=_json)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


def _carries(text, goal):
    """Whether a rendered result holds the goal (the environment's YAML reflows the
    injected text, so whitespace is not compared)."""
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    return any(goal in _squash(s) for s in _strings(value))


def _replay(suite, user_task, env, stats):
    """The ground-truth calls of `user_task` on `env`: [(call, rendered result)]; a call
    that fails (none does in 0.1.35) is counted and left out."""
    runtime = FunctionsRuntime(suite.tools)
    out = []
    for call in user_task.ground_truth(env):
        result, error = runtime.run_function(env, call.function, call.args, raise_on_error=False)
        if error is None:
            out.append((call, _render(result)))
        else:
            stats["failed_calls"] += 1
    return out


def _tool_definition(function):
    schema = function.parameters.model_json_schema()
    schema.pop("title", None)
    return {"name": function.name, "description": function.description, "input_schema": schema}


def _check_tables(name, suite):
    ids = sorted(int(i.rsplit("_", 1)[1]) for i in suite.injection_tasks)
    if ids != sorted(GOAL_CLASS[name]):
        raise SystemExit(f"agentdojo {name}: injection tasks {ids} differ from GOAL_CLASS's; update the table")
    tools = {f.name: f for f in suite.tools}
    for tool, _, text_arg in WRITE_TOOLS[name]:
        if tool not in tools or text_arg not in tools[tool].parameters.model_fields:
            raise SystemExit(f"agentdojo {name}: no tool {tool}({text_arg}); update WRITE_TOOLS")


def _benign_cases(name, suite, stats):
    """The clean environment's results and calls, the vectors' benign defaults in the
    writing tools, and the suite's tool definitions."""
    cases = []
    clean = suite.load_and_inject_default_environment({})
    for user_task in suite.user_tasks.values():
        for call, text in _replay(suite, user_task, clean.model_copy(deep=True), stats):
            case_name = f"{name} {user_task.ID} {call.function}"
            if text.strip():
                cases.append(result_case(case_name, "benign/results", text))
            cases.append(invoke_case(case_name, "benign/arguments", call.function, dict(call.args)))
    writers = WRITE_TOOLS[name]
    for i, (vector, default) in enumerate(sorted(suite.get_injection_vector_defaults().items())):
        if default.strip():
            tool, fixed, text_arg = writers[i % len(writers)]
            cases.append(invoke_case(f"{name} {tool} with the clean text of {vector}", "benign/arguments",
                                     tool, {**fixed, text_arg: default}))
    for function in suite.tools:
        cases.append(tools_case(f"{name} tool {function.name}", "benign/tools", _tool_definition(function)))
    return cases


def _attack_cases(name, suite, stats):
    """Per attack and injection task: the injected results of one replayed user task, the
    injection in a writing tool's argument, and in a tool's description."""
    cases = []
    user_tasks = list(suite.user_tasks.values())
    # Which vectors each user task reads: computed once (a replay per user task), not
    # once per attack as each attack object would.
    probe = load_attack(ATTACKS[0], suite, PIPELINE)
    seen = {u.ID: probe.get_injection_candidates(u) for u in user_tasks}
    writers, functions = WRITE_TOOLS[name], list(suite.tools)
    for attack_name in ATTACKS:
        attack = load_attack(attack_name, suite, PIPELINE)
        attack.get_injection_candidates = lambda u: seen[u.ID]
        for inj_id, inj_task in suite.injection_tasks.items():
            cls = GOAL_CLASS[name][int(inj_id.rsplit("_", 1)[1])]
            tag = f"{attack_name}, {inj_id}"
            user_task = min(user_tasks, key=lambda u: stable_key(name, inj_id, attack_name, u.ID))
            injections = attack.attack(user_task, inj_task)
            env = suite.load_and_inject_default_environment(injections)
            goal = _squash(inj_task.GOAL)
            hits = [(c, t) for c, t in _replay(suite, user_task, env, stats) if _carries(t, goal)]
            stats["runs"] += 1
            stats["runs_without_hit"] += not hits
            for call, text in hits:
                cases.append(result_case(f"{name} {user_task.ID} {call.function} — {tag}",
                                         f"injection/result/{cls}", text))
            payload = next(iter(injections.values()))
            tool, fixed, text_arg = writers[int(stable_key(tag, "w"), 16) % len(writers)]
            cases.append(invoke_case(f"{name} {tool} — {tag}", f"injection/argument/{cls}",
                                     tool, {**fixed, text_arg: payload}))
            function = functions[int(stable_key(tag, "t"), 16) % len(functions)]
            tool_def = _tool_definition(function)
            tool_def["description"] = f"{tool_def['description'].rstrip()}\n\n{payload.strip()}"
            cases.append(tools_case(f"{name} tool {function.name} — {tag}",
                                    f"tool_poisoning/{POISONING_CLASS[cls]}", tool_def))
    return cases


def cases():
    """Every case of the AgentDojo corpora, and counts of the attack runs."""
    _fast_environment_loading()
    _fixed_clock()
    stats = {"runs": 0, "runs_without_hit": 0, "failed_calls": 0}
    out = []
    for name, suite in get_suites(BENCHMARK_VERSION).items():
        _check_tables(name, suite)
        out += _benign_cases(name, suite, stats) + _attack_cases(name, suite, stats)
    return out, stats
