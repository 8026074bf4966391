"""Case building and writing shared by the converters: guardhouse.case/v1 corpora, one file
per source and class, YAML with Unicode kept as is (the case parser refuses JSON's
surrogate-pair escapes, so nothing is escaped that need not be)."""

import hashlib
import os

import yaml

FORMAT = "guardhouse.case/v1"
# From target/corpora/ to the example gateway.
GATEWAY = "../../guards/gateway.yaml"


def stable_key(*parts) -> str:
    """A key that orders items the same way on every run and machine."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def sample(items, limit, key):
    """At most `limit` of `items`, picked by the sha256 of `key(item)` (deterministic, and
    spread over the whole set rather than its head); `None` keeps them all. The picked
    items keep their original order."""
    if limit is None or len(items) <= limit:
        return list(items)
    picked = set(sorted(range(len(items)), key=lambda i: stable_key(key(items[i])))[:limit])
    return [item for i, item in enumerate(items) if i in picked]


def result_case(name, label, text):
    """A response-phase case: an MCP tool result with one text block."""
    return {
        "name": name,
        "label": label,
        "phase": "response",
        "payload": {"content": [{"type": "text", "text": text}]},
    }


def invoke_case(name, label, tool, arguments):
    """A tool_invoke-phase case: a tools/call request's name and arguments."""
    return {
        "name": name,
        "label": label,
        "phase": "tool_invoke",
        "payload": {"tool": tool, "arguments": arguments},
    }


def tools_case(name, label, tool):
    """A tools_list-phase case: a tools/list result holding one tool definition."""
    return {"name": name, "label": label, "phase": "tools_list", "payload": {"tools": [tool]}}


def unique_names(cases):
    """Makes case names unique within a file (` #2`, ` #3`, … on repeats)."""
    seen = {}
    for case in cases:
        n = seen.get(case["name"], 0) + 1
        seen[case["name"]] = n
        if n > 1:
            case["name"] = f"{case['name']} #{n}"
    return cases


def dedupe(cases):
    """Drops cases whose phase and payload repeat an earlier one's."""
    seen, kept = set(), []
    for case in cases:
        key = yaml.safe_dump([case["phase"], case["payload"]], sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(case)
    return kept


class _Dumper(yaml.SafeDumper):
    # The case parser refuses anchors; a value used twice is written out twice.
    def ignore_aliases(self, data):
        return True


def _str(dumper, value):
    # Multi-line text reads best as a literal block; PyYAML falls back to a quoted
    # scalar by itself where a block cannot hold the text exactly.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write_corpus(out_dir, file_name, title, header, cases):
    """Writes one corpus file; returns its path. `header` lines become its leading comment."""
    cases = unique_names(cases)
    doc = {"format": FORMAT, "name": title, "gateway": GATEWAY, "cases": cases}
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header)
    path = os.path.join(out_dir, file_name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(comment + text)
    return path
