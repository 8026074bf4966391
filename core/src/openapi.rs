//! The HTTP API as an OpenAPI 3.0 document: one contract for every server host, served
//! at `GET /v1/openapi.json` by `guardhouse serve` and the edge Worker alike.
//!
//! The schemas are derived from the Rust types the hosts serialize (`schemars`, which
//! follows their serde attributes), so the document cannot drift from the responses; the
//! request bodies are built around [`Case`] because a case file's top level is read by
//! hand ([`CaseFile::from_document`](crate::case::CaseFile::from_document)).
//!
//! A case's `payload` depends on its `phase`, so a case is a `oneOf` with one branch per
//! phase, each holding that phase's payload schema.

use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use crate::api::{ApiError, GuardSummary, Health, MAX_BODY_BYTES, MAX_SUITE_CASES};
use crate::case::{CASE_FORMAT, Case, CaseResult, SuiteReport};
use crate::contract::Phase;
use crate::eval::EvalSummary;
use crate::metrics;
use crate::payload::{ToolInvokeShape, ToolsListShape};

/// The path every server host serves this document at.
pub const PATH: &str = "/v1/openapi.json";

/// The OpenAPI document of the `/v1` API, `/health`, `/metrics` and [`PATH`].
pub fn document() -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let health = schema_ref::<Health>(&mut generator);
    let guards = schema_ref::<Vec<GuardSummary>>(&mut generator);
    let case_result = schema_ref::<CaseResult>(&mut generator);
    let suite_report = schema_ref::<SuiteReport>(&mut generator);
    let eval_summary = schema_ref::<EvalSummary>(&mut generator);
    schema_ref::<ApiError>(&mut generator);
    schema_ref::<Case>(&mut generator);
    let payloads = [
        (
            Phase::Connection,
            Some(json!({"type": "object", "maxProperties": 0, "nullable": true})),
            false,
        ),
        (
            Phase::ToolsList,
            Some(schema_ref::<ToolsListShape>(&mut generator)),
            true,
        ),
        (
            Phase::ToolInvoke,
            Some(schema_ref::<ToolInvokeShape>(&mut generator)),
            true,
        ),
        (Phase::Response, None, false),
    ];
    let mut schemas = generator.take_definitions(true);
    tighten_expect(&mut schemas);
    split_case_by_phase(&mut schemas, &payloads);
    add_case_file_schemas(&mut schemas);

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "guardhouse API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Screens MCP payloads with the gateway's security guards. Cases are \
                 `{CASE_FORMAT}` files sent as JSON (or YAML); they run against the \
                 server's own gateway on isolated guard instances (a case file's \
                 `gateway` key is not used). Request bodies hold at most {MAX_BODY_BYTES} \
                 bytes. `/mcp` (the MCP proxy) speaks JSON-RPC and is not described here."
            ),
        },
        "paths": {
            "/health": {"get": operation("health", "Liveness and the loaded gateway", health, false)},
            "/v1/guards": {"get": operation("guards", "The configured guards, in chain order", guards, false)},
            "/v1/evaluate": {"post": with_body(
                operation("evaluate", "Screens one case through the chain and judges it", case_result, true),
                "#/components/schemas/EvaluateRequest",
            )},
            "/v1/test": {"post": with_body(
                operation("test", "Runs a suite from fresh guard state and judges every case", suite_report, true),
                "#/components/schemas/TestRequest",
            )},
            "/v1/eval": {"post": eval_operation(with_body(
                operation("eval", "Scores guards over a labelled corpus (every case needs `label`), each alone on fresh instances", eval_summary, true),
                "#/components/schemas/EvalRequest",
            ))},
            PATH: {"get": operation("openapi", "This document", json!({"type": "object"}), false)},
            (metrics::PATH): {"get": metrics_operation()},
        },
        "components": {
            "schemas": schemas,
            "responses": {
                "Error": {
                    "description": "The request was refused; `error` says why",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
                },
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Required when the server has a token (`--token-file`, the edge's secret)",
                },
            },
        },
        "security": [{}, {"bearer": []}],
    })
}

fn schema_ref<T: JsonSchema>(generator: &mut SchemaGenerator) -> Value {
    generator.subschema_for::<T>().to_value()
}

/// One operation: its success schema and the error statuses every route can answer with
/// (a wrong method, the access checks) plus, for bodies, 400 and 413.
fn operation(id: &str, summary: &str, ok: Value, takes_body: bool) -> Value {
    let error = json!({"$ref": "#/components/responses/Error"});
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({"description": summary, "content": {"application/json": {"schema": ok}}}),
    );
    let mut statuses = vec!["401", "403", "405", "500"];
    if takes_body {
        statuses.extend(["400", "413"]);
    }
    for status in statuses {
        responses.insert(status.into(), error.clone());
    }
    json!({"operationId": id, "summary": summary, "responses": responses})
}

/// `GET /metrics`: Prometheus text, not JSON; a host that keeps no metrics (the edge)
/// answers 404.
fn metrics_operation() -> Value {
    let summary = "The server's metrics in the Prometheus text format (0.0.4)";
    let mut operation = operation("metrics", summary, json!({}), false);
    operation["responses"]["200"]["content"] =
        json!({"text/plain": {"schema": {"type": "string"}}});
    operation["responses"]["404"] = json!({
        "description": "This host keeps no metrics",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
    });
    operation
}

/// `/v1/eval`'s `guard` query parameter and its 404 (a guard the gateway does not have).
fn eval_operation(mut operation: Value) -> Value {
    operation["responses"]["404"] = json!({
        "description": "A `guard` the gateway does not have, or has disabled",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
    });
    operation["parameters"] = json!([{
        "name": "guard",
        "in": "query",
        "description": "A guard id to score; repeat for several (default: every enabled guard that screens some case's phase)",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": true,
    }]);
    operation
}

fn with_body(mut operation: Value, schema: &str) -> Value {
    let schema = json!({"$ref": schema});
    operation["requestBody"] = json!({
        "required": true,
        // YAML bodies are read too, but YAML 1.1 writers (PyYAML) leave strings such
        // as `1e100` unquoted, which a YAML 1.2 reader takes for numbers: the contract
        // is stated for JSON.
        "content": {"application/json": {"schema": schema}},
    });
    operation
}

/// States what [`Expect::problem`](crate::case::Expect::problem) checks: `decision` or
/// `load_error`, not both and neither null, and a `load_error` naming something.
fn tighten_expect(schemas: &mut Map<String, Value>) {
    let expect = &mut schemas["Expect"];
    // Either may be absent or null; exactly one must hold a value.
    let set = |key: &str, schema: &str| json!({"required": [key], "properties": {key: {"$ref": format!("#/components/schemas/{schema}")}}});
    expect["oneOf"] = json!([
        set("decision", "Verdict"),
        set("load_error", "ExpectLoadError")
    ]);
    // At least one of its fields holds a string.
    let named = |key: &str| json!({"required": [key], "properties": {key: {"type": "string"}}});
    schemas["ExpectLoadError"]["anyOf"] =
        json!([named("guard"), named("pointer"), named("message")]);
}

/// A phase, the schema of its payload (`None`: any JSON) and whether it is required.
type PhasePayload = (Phase, Option<Value>, bool);

/// Replaces the derived `Case` (any payload with any phase) by one branch per phase.
fn split_case_by_phase(schemas: &mut Map<String, Value>, payloads: &[PhasePayload]) {
    let Some(case) = schemas.remove("Case") else {
        return;
    };
    let mut branches = Vec::new();
    for (phase, payload, required) in payloads {
        let mut branch = case.clone();
        let name = serde_json::to_value(phase).unwrap_or_default();
        branch["properties"]["phase"] = json!({"type": "string", "enum": [name]});
        if let Some(payload) = payload {
            branch["properties"]["payload"] = payload.clone();
        }
        if *required && let Some(list) = branch["required"].as_array_mut() {
            list.push("payload".into());
        }
        let title = format!("{}Case", pascal(name.as_str().unwrap_or_default()));
        schemas.insert(title.clone(), branch);
        branches.push(json!({"$ref": format!("#/components/schemas/{title}")}));
    }
    schemas.insert("Case".into(), json!({"oneOf": branches}));
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The request bodies: a case file holding one case at its top level, or a suite.
fn add_case_file_schemas(schemas: &mut Map<String, Value>) {
    let format = json!({"type": "string", "enum": [CASE_FORMAT]});
    // A path, as suites in a repository name their gateway. An inline gateway (as shared
    // links carry) is also read and checked, but the API never runs one.
    let gateway = json!({
        "type": "string",
        "nullable": true,
        "description": "The gateway the cases were written for; the API runs them against its own",
    });
    let case = json!({"$ref": "#/components/schemas/Case"});

    // A single case: each phase's case fields beside `format` (and `gateway`).
    let branches: Vec<Value> = schemas["Case"]["oneOf"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut single_branches = Vec::new();
    for branch in branches {
        let Some(name) = branch["$ref"].as_str().and_then(|r| r.rsplit('/').next()) else {
            continue;
        };
        let mut single = schemas[name].clone();
        single["properties"]["format"] = format.clone();
        single["properties"]["gateway"] = gateway.clone();
        if let Some(required) = single["required"].as_array_mut() {
            required.push("format".into());
        }
        let title = format!("Single{name}");
        schemas.insert(title.clone(), single);
        single_branches.push(json!({"$ref": format!("#/components/schemas/{title}")}));
    }
    let single = json!({"oneOf": single_branches});
    add_scenario_schema(schemas);
    let case_or_scenario = json!({"oneOf": [case, {"$ref": "#/components/schemas/Scenario"}]});
    let suite = |max: usize, item: &Value| {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["format", "cases"],
            "properties": {
                "format": format,
                "name": {"type": "string", "nullable": true},
                "gateway": gateway,
                "cases": {"type": "array", "items": item, "minItems": 1, "maxItems": max},
            },
        })
    };
    schemas.insert("SingleCase".into(), single);
    schemas.insert("Suite".into(), suite(MAX_SUITE_CASES, &case_or_scenario));
    // One case: a scenario of one step would do too, but not one of two.
    schemas.insert("OneCaseSuite".into(), suite(1, &case));
    schemas.insert(
        "EvaluateRequest".into(),
        json!({"oneOf": [
            {"$ref": "#/components/schemas/SingleCase"},
            {"$ref": "#/components/schemas/OneCaseSuite"},
        ]}),
    );
    schemas.insert(
        "TestRequest".into(),
        json!({"oneOf": [
            {"$ref": "#/components/schemas/SingleCase"},
            {"$ref": "#/components/schemas/Suite"},
        ]}),
    );
    add_corpus_schemas(schemas, &suite);
}

/// `/v1/eval`'s body: a suite whose every case, and every scenario step, has a `label`.
fn add_corpus_schemas(schemas: &mut Map<String, Value>, suite: &dyn Fn(usize, &Value) -> Value) {
    let label = json!({"required": ["label"], "properties": {"label": {"type": "string"}}});
    let labelled = |schema: Value| json!({"allOf": [schema, label]});
    let mut scenario = schemas["Scenario"].clone();
    let step = scenario["properties"]["steps"]["items"].take();
    scenario["properties"]["steps"]["items"] = labelled(step);
    schemas.insert("LabelledScenario".into(), scenario);
    let item = json!({"oneOf": [
        labelled(json!({"$ref": "#/components/schemas/Case"})),
        {"$ref": "#/components/schemas/LabelledScenario"},
    ]});
    schemas.insert("Corpus".into(), suite(MAX_SUITE_CASES, &item));
    schemas.insert(
        "EvalRequest".into(),
        json!({"oneOf": [
            labelled(json!({"$ref": "#/components/schemas/SingleCase"})),
            {"$ref": "#/components/schemas/Corpus"},
        ]}),
    );
}

/// A scenario (a case with `steps:`): its steps are cases that do not name a scenario;
/// `guards`, `context` and `config` given on the scenario apply to steps without them.
fn add_scenario_schema(schemas: &mut Map<String, Value>) {
    let branches: Vec<String> = schemas["Case"]["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["$ref"].as_str()?.rsplit('/').next().map(str::to_string))
        .collect();
    let mut steps = Vec::new();
    let mut shared = Map::new();
    for name in branches {
        let mut step = schemas[&name].clone();
        if let Some(properties) = step["properties"].as_object_mut() {
            properties.remove("scenario");
            for key in ["guards", "context", "config"] {
                if let Some(p) = properties.get(key) {
                    shared.insert(key.to_string(), p.clone());
                }
            }
        }
        let title = format!("Step{name}");
        schemas.insert(title.clone(), step);
        steps.push(json!({"$ref": format!("#/components/schemas/{title}")}));
    }
    shared.insert("name".into(), json!({"type": "string"}));
    shared.insert(
        "steps".into(),
        json!({"type": "array", "minItems": 1, "items": {"oneOf": steps}}),
    );
    schemas.insert(
        "Scenario".into(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "steps"],
            "properties": shared,
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(refs.len() > 10, "{refs:?}");
        for r in refs {
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
        }
    }

    #[test]
    fn a_case_and_a_step_take_a_label_of_the_case_format() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        for name in ["SingleToolsListCase", "StepResponseCase"] {
            let label = &schemas[name]["properties"]["label"];
            assert_eq!(
                label["pattern"],
                json!(crate::eval::LABEL_PATTERN),
                "{name}: {label}"
            );
            assert_eq!(
                label["maxLength"],
                json!(crate::eval::MAX_LABEL_LEN),
                "{name}: {label}"
            );
        }
        let scenario = &schemas["Scenario"]["properties"];
        assert!(scenario.get("label").is_none(), "{scenario}");
    }

    #[test]
    fn a_case_keeps_its_closed_shape() {
        let doc = document();
        let case = &doc["components"]["schemas"]["SingleToolInvokeCase"];
        assert_eq!(case["additionalProperties"], json!(false), "{case}");
        let required = case["required"].as_array().unwrap();
        for key in ["format", "name", "phase", "payload"] {
            assert!(required.contains(&json!(key)), "{key} not required: {case}");
        }
    }

    fn collect_refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| collect_refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
