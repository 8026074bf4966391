//! Plain-Rust helpers shared by the guardhouse example guards.
//!
//! Nothing here knows about WIT: guards implement [`Guard`] over the plain types in
//! [`types`], are unit-tested natively against [`MapHost`], and become components
//! through [`export_guard!`], which generates the `security-guard` bindings on wasm32 only.

pub mod decode;
pub mod export;
pub mod filter;
pub mod find;
pub mod host;
pub mod json;
pub mod rules;
pub mod schema_check;
pub mod settings;
pub mod signals;
pub mod text;
pub mod types;
pub mod vocab;

pub use filter::Action;
pub use host::{Host, Level, MapHost};
pub use types::{Context, DenyReason, Guard, Tool, Verdict};
