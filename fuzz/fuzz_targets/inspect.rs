//! Component inspection on any bytes: `inspect::inspect` decides what every host accepts
//! as a guard; seeded from the built guards and fixtures.
#![no_main]

use libfuzzer_sys::fuzz_target;

use guardhouse_core::Phase;
use guardhouse_core::inspect::{inspect, sha256_hex};

fuzz_target!(init: guardhouse_fuzz::catch_stack_overflow(), |data: &[u8]| {
    match inspect(data) {
        Ok(info) => {
            assert_eq!(info.sha256, sha256_hex(data));
            assert_eq!(info.size, data.len() as u64);
            assert!(info.exports.iter().any(|e| e.starts_with("evaluate-")));
            for phase in Phase::ALL {
                let _ = info.handles(phase);
            }
            let _ = info.has_settings();
            for producer in &info.producers {
                let _ = producer.label();
            }
            let _ = serde_json::to_string(&info).expect("info serializes");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
