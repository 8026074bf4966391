//! Case and suite files: `CaseFile::parse` on any text, then what every host does with a
//! parsed file (payloads, screenings, pins, the suite run over core's real chain with
//! scripted guards). A parsed file must read back from what the web page exports
//! (`to_json_pretty`).
//!
//! Input: the file's text, then optionally `0xFF` and the guards' script.
#![no_main]

use libfuzzer_sys::fuzz_target;

use guardhouse_core::case::{CaseFile, GatewaySource};
use guardhouse_core::host;
use guardhouse_fuzz::{ScriptedGateway, example_gateway, split_script};

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let (text, script) = split_script(data);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let file = match CaseFile::parse("fuzz.yaml", text) {
        Ok(file) => file,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let exported = file.to_json_pretty();
    let again = CaseFile::parse("fuzz.json", &exported)
        .unwrap_or_else(|e| panic!("an exported case file does not parse: {e}\n{exported}"));
    assert_eq!(again, file, "export and import changed the case file");
    for case in &file.cases {
        let _ = case.payload();
        let _ = case.screening();
        let _ = case.guard_mismatches(|id| (id.len() % 2 == 0).then(|| "ab".repeat(32)));
    }
    let config = match &file.gateway {
        Some(GatewaySource::Inline(config)) => config.clone(),
        _ => example_gateway(),
    };
    let gateway = ScriptedGateway::new(config, script);
    let report = host::run_cases(&gateway, &file);
    let _ = report.summary_line();
    let _ = serde_json::to_string(&report).expect("a report serializes");
});
