//! API bodies: `api::parse_cases` / `api::parse_single_case` on any bytes (the JSON fast
//! path and the YAML path), then `POST /v1/evaluate` and `POST /v1/test` as every host
//! answers them, over core's real chain with scripted guards.
//!
//! Input: the body, then optionally `0xFF` and the guards' script.
#![no_main]

use libfuzzer_sys::fuzz_target;

use guardhouse_core::{api, host};
use guardhouse_fuzz::{ScriptedGateway, example_gateway, split_script};

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let (body, script) = split_script(data);
    let single = api::parse_single_case(body);
    match api::parse_cases(body) {
        Ok(file) => {
            assert!(file.cases.len() <= api::MAX_SUITE_CASES);
            assert_eq!(single.is_ok(), file.cases.len() == 1);
        }
        Err(e) => {
            assert!(single.is_err(), "one case parsed where the suite did not");
            let _ = serde_json::to_string(&e);
            return;
        }
    }
    let gateway = ScriptedGateway::new(example_gateway(), script);
    if let Ok(result) = host::evaluate_request(&gateway, body) {
        let _ = serde_json::to_string(&result).expect("a result serializes");
    }
    let report = host::test_request(&gateway, body).expect("the body parsed above");
    let _ = serde_json::to_string(&report).expect("a report serializes");
});
