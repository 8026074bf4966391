//! [`export_guard!`](crate::export_guard): turns a [`Guard`](crate::Guard) into the
//! `security-guard` component exports on wasm32 (and into nothing natively).

/// Generates the `security-guard` bindings from `../../wit` (so the calling crate must
/// live in `guards/<name>/` and depend on `wit-bindgen` for wasm32) and exports the given
/// [`Guard`](crate::Guard) type, written as a path from the crate root
/// (`guard_kit::export_guard!(crate::MyGuard);`). Only compiled for `wasm32`.
#[macro_export]
macro_rules! export_guard {
    ($guard:path) => {
        #[cfg(target_arch = "wasm32")]
        mod bindings_glue {
            wit_bindgen::generate!({ path: "../../wit", world: "security-guard" });

            use exports::mcp::security_guard::guard as wit;
            use $crate::Guard as _;

            type Impl = $guard;

            /// The WIT `host` imports behind the plain [`Host`](guard_kit::Host) trait.
            struct WitHost;

            impl $crate::Host for WitHost {
                fn log(&self, level: $crate::Level, message: &str) {
                    mcp::security_guard::host::log(level as u8, message)
                }
                fn time_ms(&self) -> u64 {
                    mcp::security_guard::host::get_time()
                }
                fn config(&self, key: &str) -> String {
                    mcp::security_guard::host::get_config(key)
                }
            }

            fn context(c: wit::GuardContext) -> $crate::Context {
                $crate::Context {
                    server_name: c.server_name,
                    server_url: c.server_url,
                    identity: c.identity,
                    metadata: c.metadata,
                }
            }

            fn decision(verdict: $crate::Verdict) -> wit::Decision {
                match verdict {
                    $crate::Verdict::Allow => wit::Decision::Allow,
                    $crate::Verdict::Deny(r) => wit::Decision::Deny(wit::DenyReason {
                        code: r.code,
                        message: r.message,
                        details: r.details,
                    }),
                    $crate::Verdict::Modify(json) => wit::Decision::Modify(json),
                    $crate::Verdict::Warn(warnings) => wit::Decision::Warn(warnings),
                }
            }

            struct Component;

            impl wit::Guest for Component {
                fn evaluate_server_connection(ctx: wit::GuardContext) -> Result<wit::Decision, String> {
                    Impl::server_connection(&WitHost, &context(ctx)).map(decision)
                }

                fn evaluate_tools_list(
                    tools: Vec<wit::Tool>,
                    ctx: wit::GuardContext,
                ) -> Result<wit::Decision, String> {
                    let tools: Vec<$crate::Tool> = tools
                        .into_iter()
                        .map(|t| $crate::Tool {
                            name: t.name,
                            description: t.description,
                            input_schema: t.input_schema,
                        })
                        .collect();
                    Impl::tools_list(&WitHost, &tools, &context(ctx)).map(decision)
                }

                fn evaluate_tool_invoke(
                    tool_name: String,
                    arguments: String,
                    ctx: wit::GuardContext,
                ) -> Result<wit::Decision, String> {
                    Impl::tool_invoke(&WitHost, &tool_name, &arguments, &context(ctx)).map(decision)
                }

                fn evaluate_response(response: String, ctx: wit::GuardContext) -> Result<wit::Decision, String> {
                    Impl::response(&WitHost, &response, &context(ctx)).map(decision)
                }

                fn get_settings_schema() -> String {
                    Impl::settings_schema()
                }

                fn get_default_config() -> String {
                    Impl::default_config()
                }
            }

            export!(Component);
        }
    };
}
