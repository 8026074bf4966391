//! What a guard may ask of its host, and an in-memory host for native tests.

use std::cell::RefCell;

use serde_json::{Map, Value};

/// Log levels of the WIT `host.log` import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// The WIT `host` interface as a trait, so guard logic runs natively too.
pub trait Host {
    /// Write a line to the guard's log.
    fn log(&self, level: Level, message: &str);
    /// Wall-clock milliseconds since the Unix epoch.
    fn time_ms(&self) -> u64;
    /// The JSON encoding of the configured value for `key`, or "" when not configured.
    fn config(&self, key: &str) -> String;
}

/// A host backed by a JSON object of settings, recording log lines; for tests and
/// native benchmarks.
#[derive(Debug, Default)]
pub struct MapHost {
    config: Map<String, Value>,
    logs: RefCell<Vec<(Level, String)>>,
}

impl MapHost {
    /// A host whose configuration is `config` (a JSON object; anything else means empty).
    pub fn new(config: Value) -> Self {
        let config = match config {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        MapHost {
            config,
            logs: RefCell::default(),
        }
    }

    /// The log lines written so far.
    pub fn logs(&self) -> Vec<(Level, String)> {
        self.logs.borrow().clone()
    }
}

impl Host for MapHost {
    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push((level, message.to_string()));
    }

    fn time_ms(&self) -> u64 {
        0
    }

    fn config(&self, key: &str) -> String {
        self.config
            .get(key)
            .map(Value::to_string)
            .unwrap_or_default()
    }
}
