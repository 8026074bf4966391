"""spikee (PyPI `spikee`, Apache-2.0, by Reversec) rendered into guardhouse cases.

spikee ships seed folders: base documents (an e-mail, or a bare placeholder for direct
input), jailbreak templates ("ignore", "dan", "dev", "test", "new-instructions", …),
instructions (what the injection wants: XSS markup, a markdown image that exfiltrates
data, a long output, the system prompt, investment advice), standalone inputs, and a
false-positive set of benign questions. Its own generator (`spikee generate`, called
here as `spikee.generator.generate_dataset`, English only, injections at the end of the
document, no plugins) combines them into the dataset it would send to a target.

Each generated entry's text is rendered twice: as a tool result (response) and as the
free-text argument of a tool call (tool_invoke). Labels map spikee's instruction type to
guardhouse's classes (INSTRUCTION_CLASS); its jailbreak type stays in the case name.
"""

import argparse
import contextlib
import io
import json
import os
import tempfile

import spikee.generator

from cases import invoke_case, result_case, sample, stable_key

# (seed folder, include its standalone inputs, at most this many entries, benign)
SEEDS = [
    ("seeds-cybersec-2026-01", True, None, False),
    ("seeds-llm-mailbox", False, None, False),
    ("seeds-sysmsg-extraction-2025-04", False, 400, False),
    # A topical-guardrail set: jailbreaks asking for investment advice, an innocuous
    # side task for an MCP gateway. Its standalone inputs are plain questions, not
    # injections, and are left out.
    ("seeds-investment-advice", False, 150, False),
    ("seeds-investment-advice-fp", True, None, True),
]
INSTRUCTION_CLASS = {
    "data-exfil-markdown": "exfiltration",  # a markdown image whose URL carries data
    "sysmsg-extract": "exfiltration",  # reveal the system prompt or a secret in it
    "xss": "override",  # answer with attacker-chosen script markup instead
    "long-output": "side_task",  # repeat a word 100 times
    "financial-adv": "side_task",  # give investment advice
    None: "override",  # cybersec's standalone inputs: hijacked prompts
}
# Tools the text goes into as an argument: (tool, fixed arguments, free-text argument).
DOCUMENT_TOOLS = [
    ("send_email", {"to": "olivia.brown@example.com", "subject": "Fwd: company news"}, "body"),
    ("summarize_text", {"max_words": 100}, "text"),
    ("create_note", {"title": "Inbox digest"}, "content"),
]
INPUT_TOOLS = [
    ("web_search", {"max_results": 5}, "query"),
    ("ask_knowledge_base", {"collection": "support"}, "question"),
    ("send_message", {"channel": "general"}, "text"),
]


def _generate(seed, standalone):
    """spikee's dataset for `seed`, as `spikee generate` writes it."""
    args = argparse.Namespace(
        seed_folder=f"workspace/datasets/{seed}", positions=["end"],
        injection_delimiters="\nINJECTION_PAYLOAD\n", plugins=[], plugin_options=None,
        plugin_only=False, include_standalone_inputs=standalone, standalone_attacks=None,
        format="user-input", spotlighting_data_markers="\nDOCUMENT\n", languages="en",
        match_languages=True, instruction_filter=None, jailbreak_filter=None,
        include_fixes=None, include_suffixes=False, include_system_message=False, tag=None,
        threads=1,
    )
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(io.StringIO()) as log:
                spikee.generator.generate_dataset(args)
            files = os.listdir("datasets") if os.path.isdir("datasets") else []
            if len(files) != 1:
                raise SystemExit(f"spikee generate {seed} wrote {files}:\n{log.getvalue()}")
            with open(os.path.join("datasets", files[0]), encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        finally:
            os.chdir(cwd)


def _base_documents(seed):
    """The seed's base documents that are real text (not a bare placeholder)."""
    path = os.path.join(os.path.dirname(spikee.generator.__file__), "data", "workspace",
                        "datasets", seed, "base_user_inputs.jsonl")
    with open(path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    return [d for d in docs if d.get("document") and d["document"] != d.get("placeholder")]


def _render(entry_id, text, label_class, benign, is_document, name):
    tools = DOCUMENT_TOOLS if is_document else INPUT_TOOLS
    tool, fixed, text_arg = tools[int(stable_key(entry_id), 16) % len(tools)]
    where = ("benign/results", "benign/arguments") if benign else (
        f"injection/result/{label_class}", f"injection/argument/{label_class}")
    return [result_case(f"{name} — tool result", where[0], text),
            invoke_case(f"{name} — {tool}.{text_arg}", where[1], tool, {**fixed, text_arg: text})]


def cases():
    """Every case of the spikee corpora, and the entries generated and kept per seed."""
    out, stats, documents, seen = [], {}, {}, set()
    for seed, standalone, limit, benign in SEEDS:
        entries = _generate(seed, standalone)
        kept = sample(entries, limit, key=lambda e: e["long_id"])
        stats[seed] = {"generated": len(entries), "kept": len(kept)}
        for e in kept:
            text = e["content"].strip()
            if text in seen:  # the same text from another template or document
                continue
            seen.add(text)
            itype = e.get("instruction_type")
            if itype not in INSTRUCTION_CLASS:
                raise SystemExit(f"spikee {seed}: instruction type {itype!r} has no class; update INSTRUCTION_CLASS")
            name = f"{seed.removeprefix('seeds-')} {e['long_id']}"
            is_document = str(e.get("document_id") or "").startswith("email")
            out += _render(e["long_id"], text, INSTRUCTION_CLASS[itype], benign,
                           is_document, name)
        for doc in _base_documents(seed):
            documents[doc["document"]] = doc["id"]
    # The documents the injections were added to, as they are: benign.
    for text, doc_id in documents.items():
        out += _render(doc_id, text, None, True, True, f"base document {doc_id}")
    return out, stats
