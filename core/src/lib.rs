//! guardhouse core: the semantics every host shares.
//!
//! No WebAssembly runtime lives here. Hosts (wasmtime, a Cloudflare Worker, a browser
//! page) load components and call hooks; this crate decides what the calls mean:
//! the contract's types, the gateway config, chain semantics, the test-case format and
//! the evaluation trace. It builds for `wasm32-unknown-unknown`.

pub mod access;
pub mod api;
pub mod case;
pub mod chain;
pub mod config;
pub mod contract;
pub mod eval;
pub mod host;
pub mod inspect;
pub mod jshost;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod payload;
pub mod settings;
pub mod source;
pub mod state;
pub mod suite;
pub mod telemetry;
pub mod trace;

pub use chain::{ChainRun, Denial, Evaluation, Screening, Verdict, Warning, evaluate_chain};
pub use config::{
    FailureMode, GatewayConfig, GuardConfig, GuardMode, InstanceMode, Limits, OnStateLoss,
    StateKey, StatePlacement,
};
pub use contract::{ContractVersion, Decision, DenyReason, GuardContext, Phase, RunsOn, Tool};
pub use payload::{HookArgs, Payload, ToolSpec};
pub use source::{Document, Location, SourceError};
pub use state::StateLedger;
pub use suite::SuiteRun;
pub use trace::{GuardFailure, GuardOutcome, GuardTrace, LogBuffer, Resource};
