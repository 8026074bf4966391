//! guardhouse on wasmtime: the native runner library behind the `guardhouse` CLI.

pub mod bindings;
pub(crate) mod build;
pub mod cache;
pub mod commands;
pub(crate) mod componentize;
pub(crate) mod edge;
pub mod engine;
pub mod error;
pub mod guard;
pub mod logging;
pub mod metrics;
pub mod out;
pub(crate) mod proxy;
pub(crate) mod render;
pub mod runner;
pub(crate) mod server;
pub mod state;
pub(crate) mod static_site;
pub mod telemetry;
