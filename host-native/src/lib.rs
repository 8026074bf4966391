//! guardhouse on wasmtime: the native runner library behind the `guardhouse` CLI.

pub mod bench;
pub mod bench_serve;
pub mod bindings;
pub mod build;
pub mod cache;
pub mod commands;
pub mod componentize;
pub mod edge;
pub mod engine;
pub mod error;
pub mod guard;
pub mod logging;
pub mod metrics;
pub mod out;
pub mod proxy;
pub mod render;
pub mod runner;
pub mod server;
pub mod state;
pub mod static_site;
pub mod telemetry;
