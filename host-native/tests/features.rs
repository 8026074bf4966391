//! The feature guards (tests/configs/features.yaml: one hand-written guard per WebAssembly
//! feature wasmtime enables by default) load in the host's pooling engine and run; their
//! exact answers are tests/js/features.cases.yaml's, which every host runs.

mod common;

use common::*;
use guardhouse_core::Verdict;

const FEATURES: &str = "tests/configs/features.yaml";

#[test]
fn guards_with_two_memories_or_two_tables_load_and_run() {
    component("tests/fixtures/dist/multi-memory.wasm");
    // The pooling allocator's defaults (one memory and one table per module) refused these
    // at load: "defined tables count of 2 exceeds the per-instance limit of 1".
    let r = guardhouse::runner::Runner::from_file(&env(), &root().join(FEATURES))
        .unwrap_or_else(|e| panic!("{e:#}"));
    for (id, code, message) in [
        (
            "multi-memory",
            "multi_memory",
            "multi-memory: from the second memory!!!!! grew=1 size=3 over=-1 main=1 word=16909060",
        ),
        (
            "memory64",
            "memory64",
            "memory64: 64-bit addresses grew=1 size=3 word=1234605616436508552 filled=151587081",
        ),
        (
            // The pool's default table size (20,000 elements) cut this short natively.
            "table-bound",
            "table_bound",
            "table-bound: grow30000=1 grow_to_2^20=30000 one_more=-1 size=1048576",
        ),
        (
            "reference-types",
            "reference_types",
            "reference-types: mul=42 null=1 grew=2 size=5 sub=7 copied=25 null=1 filled=43 selected=42",
        ),
    ] {
        let e = eval(&r, &tools_case(id, "[{name: a}]"));
        assert_eq!(e.decision, Verdict::Deny, "{id}: {e:?}");
        let deny = e.deny.unwrap();
        assert_eq!((deny.code.as_str(), deny.message.as_str()), (code, message));
    }
}
