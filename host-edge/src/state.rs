//! Guards with `state: durable_object`: their instance lives in a Durable Object
//! (`js/state.mjs`, class `GuardState`, bound as [`BINDING`]) named by core
//! (`state::durable_object_name`: scope, guard, server, optionally session), so every
//! isolate and location that screens for that name calls the same instance. The call is
//! core's [`JsCall`], carried by RPC; failures to reach the object, a throw, or no answer
//! within core's wait become [`JsReply::Unreachable`], which core words as the guard's
//! failure.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};
use worker::{Delay, Env};

use guardhouse_core::jshost::{JsCall, JsReply};
use guardhouse_core::state::{StateScope, durable_object_timeout};

use crate::js;

/// The Worker's Durable Object binding for guard state (wrangler.toml).
pub const BINDING: &str = "GUARDHOUSE_STATE";

/// Where `state: durable_object` guards are called: the Worker's namespace, and whose
/// state the calls touch (live traffic's or the API's).
pub struct DurableState {
    namespace: worker::ObjectNamespace,
    pub scope: StateScope,
}

impl DurableState {
    /// The Worker's namespace for `scope`; `None` when the Worker has no [`BINDING`].
    pub fn new(env: &Env, scope: StateScope) -> Option<Self> {
        let namespace = env.durable_object(BINDING).ok()?;
        Some(Self { namespace, scope })
    }

    /// Whether the Worker has a [`BINDING`].
    pub fn bound(env: &Env) -> bool {
        env.durable_object(BINDING).is_ok()
    }

    /// Carries `call` to the object `name`, waiting at most `wait_ms` for its answer.
    pub async fn call(&self, name: &str, call: &JsCall<'_>, wait_ms: u64) -> JsReply {
        let answer = pin!(js::call_durable(self.namespace.as_ref(), name, call));
        let deadline = pin!(Delay::from(Duration::from_millis(wait_ms)));
        match select(answer, deadline).await {
            Either::Left((Ok(text), _)) => JsReply::Result(text),
            Either::Left((Err(cause), _)) => JsReply::Unreachable(cause),
            Either::Right(_) => JsReply::Unreachable(durable_object_timeout(wait_ms)),
        }
    }
}
