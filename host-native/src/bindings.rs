//! The guard contract as wasmtime sees it.
//!
//! Host imports come from one `bindgen!` over the checked-in `wit/`. Exports are looked up
//! one function at a time instead of through the generated `SecurityGuard` export
//! struct, because guards in the wild export only some hooks and may be built against
//! the minimal contract, whose `guard-context` and `decision` types differ. The argument
//! types below borrow from the host's payload, so lowering copies straight from it.

use wasmtime::component::{ComponentType, Lift, Lower};

use guardhouse_core::{Decision, DenyReason};

wasmtime::component::bindgen!({
    path: "../wit",
    world: "security-guard",
});

pub use mcp::security_guard::host::{Host, add_to_linker};

/// `tool`, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub struct ToolArg<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    #[component(name = "input-schema")]
    pub input_schema: &'a str,
}

/// `guard-context` of the canonical contract, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub struct ContextArg<'a> {
    #[component(name = "server-name")]
    pub server_name: &'a str,
    #[component(name = "server-url")]
    pub server_url: Option<&'a str>,
    pub identity: Option<&'a str>,
    pub metadata: &'a str,
}

/// `guard-context` of the minimal contract (no `server-url`), borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub struct MinimalContextArg<'a> {
    #[component(name = "server-name")]
    pub server_name: &'a str,
    pub identity: Option<&'a str>,
    pub metadata: &'a str,
}

/// `deny-reason`.
#[derive(ComponentType, Lift, Clone, Debug)]
#[component(record)]
pub struct DenyReasonRet {
    pub code: String,
    pub message: String,
    pub details: Option<String>,
}

/// `decision` of the canonical contract.
#[derive(ComponentType, Lift, Clone, Debug)]
#[component(variant)]
pub enum DecisionRet {
    #[component(name = "allow")]
    Allow,
    #[component(name = "deny")]
    Deny(DenyReasonRet),
    #[component(name = "modify")]
    Modify(String),
    #[component(name = "warn")]
    Warn(Vec<String>),
}

/// `decision` of the minimal contract (no `warn`).
#[derive(ComponentType, Lift, Clone, Debug)]
#[component(variant)]
pub enum MinimalDecisionRet {
    #[component(name = "allow")]
    Allow,
    #[component(name = "deny")]
    Deny(DenyReasonRet),
    #[component(name = "modify")]
    Modify(String),
}

impl From<DenyReasonRet> for DenyReason {
    fn from(d: DenyReasonRet) -> Self {
        DenyReason {
            code: d.code,
            message: d.message,
            details: d.details,
        }
    }
}

impl From<DecisionRet> for Decision {
    fn from(d: DecisionRet) -> Self {
        match d {
            DecisionRet::Allow => Decision::Allow,
            DecisionRet::Deny(r) => Decision::Deny(r.into()),
            DecisionRet::Modify(s) => Decision::Modify(s),
            DecisionRet::Warn(w) => Decision::Warn(w),
        }
    }
}

impl From<MinimalDecisionRet> for Decision {
    fn from(d: MinimalDecisionRet) -> Self {
        match d {
            MinimalDecisionRet::Allow => Decision::Allow,
            MinimalDecisionRet::Deny(r) => Decision::Deny(r.into()),
            MinimalDecisionRet::Modify(s) => Decision::Modify(s),
        }
    }
}

/// What every hook returns: `result<decision, string>`.
pub type HookResult<D> = (Result<D, String>,);
