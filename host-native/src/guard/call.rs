//! Calling a guard: instantiate (or reuse the persistent instance) → lower → invoke →
//! lift → classify what went wrong.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Map, Value};
use wasmtime::component::{ComponentExportIndex, Instance};
use wasmtime::{Store, Trap};

use guardhouse_core::{
    ContractVersion, Decision, GuardContext, GuardFailure, GuardOutcome, HookArgs, LogBuffer,
    Phase, Resource,
};

use super::{LoadedGuard, Persistent};
use crate::bindings::{
    ContextArg, DecisionRet, HookResult, MinimalContextArg, MinimalDecisionRet, ToolArg,
};
use crate::state::HostState;

/// The contract's hooks as wasmtime sees them, `(parameters, results)`: the one table the
/// load-time type check ([`typed_hook`]) and the calls ([`LoadedGuard::invoke`]) both use.
mod sig {
    use super::{
        ContextArg, DecisionRet, HookResult, MinimalContextArg, MinimalDecisionRet, ToolArg,
    };

    pub type Ret = HookResult<DecisionRet>;
    pub type MinimalRet = HookResult<MinimalDecisionRet>;
    /// `evaluate-tools-list` of the minimal contract (its only hook).
    pub type MinimalToolsList<'a> = (&'a [ToolArg<'a>], &'a MinimalContextArg<'a>);
    pub type Connection<'a> = (&'a ContextArg<'a>,);
    pub type ToolsList<'a> = (&'a [ToolArg<'a>], &'a ContextArg<'a>);
    pub type ToolInvoke<'a> = (&'a str, &'a str, &'a ContextArg<'a>);
    pub type Response<'a> = (&'a str, &'a ContextArg<'a>);
}

/// Checks that hook `idx` (the `phase` hook of a guard built against `contract`) has the
/// contract's type.
pub(super) fn typed_hook(
    store: &mut Store<HostState>,
    instance: &Instance,
    contract: ContractVersion,
    phase: Phase,
    idx: &ComponentExportIndex,
) -> wasmtime::Result<()> {
    match (contract, phase) {
        (ContractVersion::Minimal, _) => instance
            .get_typed_func::<sig::MinimalToolsList<'_>, sig::MinimalRet>(store, idx)
            .map(drop),
        (_, Phase::Connection) => instance
            .get_typed_func::<sig::Connection<'_>, sig::Ret>(store, idx)
            .map(drop),
        (_, Phase::ToolsList) => instance
            .get_typed_func::<sig::ToolsList<'_>, sig::Ret>(store, idx)
            .map(drop),
        (_, Phase::ToolInvoke) => instance
            .get_typed_func::<sig::ToolInvoke<'_>, sig::Ret>(store, idx)
            .map(drop),
        (_, Phase::Response) => instance
            .get_typed_func::<sig::Response<'_>, sig::Ret>(store, idx)
            .map(drop),
    }
}

impl LoadedGuard {
    /// Creates a store and instantiates, then drops both: the fixed cost of a fresh
    /// instance, for the benchmark's breakdown.
    pub fn instantiate_only(&self) -> wasmtime::Result<()> {
        let (mut store, _) = self.new_store(self.settings.clone());
        self.pre.instantiate(&mut store).map(drop)
    }

    /// Runs the hook for `args`' phase and reports what happened.
    pub fn call(
        &self,
        settings: &Map<String, Value>,
        args: &HookArgs,
        context: &GuardContext,
    ) -> GuardOutcome {
        let phase = args.phase();
        let Some(idx) = self.hooks.for_phase(phase) else {
            return GuardOutcome::not_applicable();
        };
        let start = Instant::now();
        let settings = self.settings_for(settings);
        let (result, fuel_used, logs) = match &self.persistent {
            None => {
                let (mut store, budget) = self.new_store(settings);
                let result = self
                    .pre
                    .instantiate(&mut store)
                    .and_then(|instance| self.invoke(&mut store, &instance, idx, args, context));
                self.finish(&mut store, budget, result)
            }
            Some(slot) => self.call_persistent(slot, settings, idx, args, context),
        };
        GuardOutcome {
            result: result.map(Some),
            duration_us: start.elapsed().as_micros() as u64,
            fuel_used,
            logs,
        }
    }

    fn call_persistent(
        &self,
        slot: &Mutex<Option<Persistent>>,
        settings: Arc<Map<String, Value>>,
        idx: &ComponentExportIndex,
        args: &HookArgs,
        context: &GuardContext,
    ) -> (Result<Decision, GuardFailure>, Option<u64>, LogBuffer) {
        // A poisoned lock only means another call panicked on the host side; the slot is
        // still consistent because a failed call drops its instance.
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let (mut store, budget) = self.new_store(settings.clone());
            match self.pre.instantiate(&mut store) {
                Ok(instance) => *slot = Some(Persistent { store, instance }),
                Err(e) => return self.finish(&mut store, budget, Err(e)),
            }
        }
        let p = slot.as_mut().expect("instantiated above");
        p.store.data_mut().settings = settings;
        p.store.data_mut().memory_hit = None;
        let budget = self.arm(&mut p.store);
        let result = self.invoke(&mut p.store, &p.instance, idx, args, context);
        let out = self.finish(&mut p.store, budget, result);
        if out
            .0
            .as_ref()
            .is_err_and(|f| !matches!(f, GuardFailure::GuestError(_)))
        {
            // A trapped instance may be in any state: start over on the next call.
            *slot = None;
        }
        out
    }

    /// Collects logs and fuel, and turns a wasmtime error into a guard failure.
    fn finish(
        &self,
        store: &mut Store<HostState>,
        budget: u64,
        result: wasmtime::Result<Result<Decision, String>>,
    ) -> (Result<Decision, GuardFailure>, Option<u64>, LogBuffer) {
        let fuel_used = store
            .get_fuel()
            .ok()
            .map(|left| budget.saturating_sub(left));
        store.data_mut().collect_wasi_output();
        let logs = std::mem::take(&mut store.data_mut().logs);
        let result = match result {
            Ok(Ok(decision)) => Ok(decision),
            Ok(Err(message)) => Err(GuardFailure::GuestError(message)),
            Err(e) => Err(self.classify(e, store.data(), budget)),
        };
        (result, fuel_used, logs)
    }

    fn classify(&self, e: wasmtime::Error, state: &HostState, budget: u64) -> GuardFailure {
        if let Some(hit) = &state.memory_hit {
            return GuardFailure::ResourceLimit {
                resource: Resource::Memory,
                detail: hit.clone(),
            };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => GuardFailure::Timeout {
                limit_ms: self.config.effective_timeout_ms(),
            },
            Some(Trap::OutOfFuel) => GuardFailure::ResourceLimit {
                resource: Resource::Fuel,
                detail: format!("ran out of fuel (max_fuel = {budget})"),
            },
            Some(Trap::StackOverflow) => GuardFailure::ResourceLimit {
                resource: Resource::Stack,
                detail: "overflowed its wasm stack".into(),
            },
            Some(trap) => GuardFailure::Trap(trap.to_string()),
            None => GuardFailure::Trap(format!("{e:#}")),
        }
    }

    /// Lowers the arguments, calls the hook, lifts the decision.
    pub(super) fn invoke(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        idx: &ComponentExportIndex,
        args: &HookArgs,
        cx: &GuardContext,
    ) -> wasmtime::Result<Result<Decision, String>> {
        let context = ContextArg {
            server_name: &cx.server_name,
            server_url: cx.server_url.as_deref(),
            identity: cx.identity.as_deref(),
            metadata: &cx.metadata,
        };
        match (self.info.contract, args) {
            (ContractVersion::Minimal, HookArgs::ToolsList(tools)) => {
                let minimal = MinimalContextArg {
                    server_name: &cx.server_name,
                    identity: cx.identity.as_deref(),
                    metadata: &cx.metadata,
                };
                let f = instance.get_typed_func::<sig::MinimalToolsList<'_>, sig::MinimalRet>(
                    &mut *store,
                    idx,
                )?;
                let (r,) = f.call(store, (&tool_args(tools), &minimal))?;
                Ok(r.map(Into::into))
            }
            (ContractVersion::Minimal, _) => {
                wasmtime::bail!("the minimal contract has only evaluate-tools-list")
            }
            (_, HookArgs::ServerConnection) => {
                let f =
                    instance.get_typed_func::<sig::Connection<'_>, sig::Ret>(&mut *store, idx)?;
                let (r,) = f.call(store, (&context,))?;
                Ok(r.map(Into::into))
            }
            (_, HookArgs::ToolsList(tools)) => {
                let f =
                    instance.get_typed_func::<sig::ToolsList<'_>, sig::Ret>(&mut *store, idx)?;
                let (r,) = f.call(store, (&tool_args(tools), &context))?;
                Ok(r.map(Into::into))
            }
            (
                _,
                HookArgs::ToolInvoke {
                    tool_name,
                    arguments,
                },
            ) => {
                let f =
                    instance.get_typed_func::<sig::ToolInvoke<'_>, sig::Ret>(&mut *store, idx)?;
                let (r,) = f.call(store, (tool_name, arguments, &context))?;
                Ok(r.map(Into::into))
            }
            (_, HookArgs::Response(response)) => {
                let f = instance.get_typed_func::<sig::Response<'_>, sig::Ret>(&mut *store, idx)?;
                let (r,) = f.call(store, (response, &context))?;
                Ok(r.map(Into::into))
            }
        }
    }
}

fn tool_args(tools: &[guardhouse_core::Tool]) -> Vec<ToolArg<'_>> {
    tools
        .iter()
        .map(|t| ToolArg {
            name: &t.name,
            description: t.description.as_deref(),
            input_schema: &t.input_schema,
        })
        .collect()
}
