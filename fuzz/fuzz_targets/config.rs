//! Gateway config parsing: `GatewayConfig::parse` on any text, its error path, and what
//! hosts then ask of a config (chain order, budgets, pins). A config that parses must
//! survive a round trip through its JSON form (the web page edits configs that way).
#![no_main]

use libfuzzer_sys::fuzz_target;

use guardhouse_core::{GatewayConfig, Phase};

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = match GatewayConfig::parse("fuzz.yaml", text) {
        Ok(config) => config,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = config.chain_order();
    for (i, guard) in config.security_guards.iter().enumerate() {
        let _ = guard.effective_timeout_ms();
        let _ = guard.max_memory_bytes();
        let _ = guard.check_pin("00");
        for phase in Phase::ALL {
            let _ = guard.runs_on_phase(phase);
        }
        for key in guard.config.keys() {
            let _ = GatewayConfig::path_of(i, key);
            let _ = guardhouse_core::GuardConfig::get_config(&guard.config, key);
        }
    }
    let json = serde_json::to_string(&config).expect("a config serializes");
    let again = GatewayConfig::parse("fuzz.json", &json)
        .unwrap_or_else(|e| panic!("a parsed config's JSON does not parse: {e}\n{json}"));
    assert_eq!(again, config, "round trip through JSON changed the config");
});
