//! Shareable links: the case (core's `guardhouse.case/v1`, chain inline) and the modules
//! it runs, compressed into the URL fragment — no server storage, so links never go
//! stale. Modules up to [`MAX_EMBED_BYTES`] travel inside the link; larger ones are
//! named by sha256 and asked for when the link is opened.
//!
//! Layout before compression: a 4-byte little-endian length, the JSON header, then the
//! embedded modules' bytes in header order. The whole is raw-deflated (miniz_oxide) and
//! base64url-encoded after `#case=`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use guardhouse_core::case::CaseFile;
use guardhouse_core::inspect::sha256_hex;
use guardhouse_core::source::Document;

use crate::eval::EvalLink;
use crate::model::Workbench;

/// Largest module embedded in a link (bigger ones are requested when it is opened): the
/// example guards reach ~260 KB, and a link holding a 512 KiB module deflates to far
/// less than Chromium's 2 MB URL limit. The page's `?embed_kib=N` overrides it.
pub const MAX_EMBED_BYTES: usize = 512 * 1024;

/// The embedding limit for this page: `?embed_kib=N` or [`MAX_EMBED_BYTES`].
pub fn embed_limit(query: &str) -> usize {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("embed_kib="))
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(MAX_EMBED_BYTES, |kib| kib * 1024)
}
/// Largest decompressed link accepted.
const MAX_LINK_BYTES: usize = 16 * 1024 * 1024;
/// The fragment prefix.
pub const PREFIX: &str = "#case=";

/// A module a link refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedModule {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    /// Whether the bytes follow the header.
    pub embedded: bool,
}

#[derive(Serialize, Deserialize)]
struct Header {
    case: Value,
    modules: Vec<LinkedModule>,
    /// An eval link's corpora and guards (the case then only carries the chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    eval: Option<EvalLink>,
}

/// A decoded link.
#[derive(Debug)]
pub struct Shared {
    pub file: CaseFile,
    /// Each module, with its bytes when the link carried them.
    pub modules: Vec<(LinkedModule, Option<Vec<u8>>)>,
    /// What to score, for a link to an eval.
    pub eval: Option<EvalLink>,
}

/// Encodes `file` and the modules its chain uses as a URL fragment.
pub fn encode(bench: &Workbench, file: &CaseFile, max_embed: usize) -> Result<String, String> {
    encode_with(bench, file, None, max_embed)
}

/// [`encode`], with an eval's corpora and guards when the link is to an eval.
pub fn encode_with(
    bench: &Workbench,
    file: &CaseFile,
    eval: Option<EvalLink>,
    max_embed: usize,
) -> Result<String, String> {
    let mut modules = Vec::new();
    let mut blobs: Vec<&[u8]> = Vec::new();
    for g in &bench.gateway.security_guards {
        let Some(m) = bench.module_for(g) else {
            continue;
        };
        if modules.iter().any(|l: &LinkedModule| l.path == m.path) {
            continue;
        }
        let embedded = m.bytes.len() <= max_embed;
        if embedded {
            blobs.push(&m.bytes);
        }
        modules.push(LinkedModule {
            path: m.path.clone(),
            sha256: m.info.sha256.clone(),
            size: m.bytes.len() as u64,
            embedded,
        });
    }
    let header = Header {
        case: serde_json::to_value(file).map_err(|e| e.to_string())?,
        modules,
        eval,
    };
    pack(&header, &blobs)
}

/// A link to `case` (a case file's JSON) naming `modules` without their bytes: each is
/// asked for when the link is opened (the bench's cold-page run, `bench::bench_link`).
pub fn naming(case: Value, modules: Vec<LinkedModule>) -> Result<String, String> {
    let modules = modules
        .into_iter()
        .map(|m| LinkedModule {
            embedded: false,
            ..m
        })
        .collect();
    pack(
        &Header {
            case,
            modules,
            eval: None,
        },
        &[],
    )
}

/// The fragment of `header` followed by the embedded modules' `blobs` (the layout above).
fn pack(header: &Header, blobs: &[&[u8]]) -> Result<String, String> {
    let json = serde_json::to_vec(header).map_err(|e| e.to_string())?;
    let mut raw = (json.len() as u32).to_le_bytes().to_vec();
    raw.extend_from_slice(&json);
    for b in blobs {
        raw.extend_from_slice(b);
    }
    let packed = miniz_oxide::deflate::compress_to_vec(&raw, 9);
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed)))
}

/// Decodes a fragment made by [`encode`]; embedded modules are checked against their
/// sha256.
pub fn decode(fragment: &str) -> Result<Shared, String> {
    let body = fragment
        .strip_prefix(PREFIX)
        .ok_or("this link carries no case (expected #case=…)")?;
    let packed = URL_SAFE_NO_PAD
        .decode(body.trim())
        .map_err(|e| format!("the link is damaged (base64: {e})"))?;
    let raw = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_LINK_BYTES)
        .map_err(|e| format!("the link is damaged (inflate: {e:?})"))?;
    let len = raw
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or("the link is damaged (too short)")?;
    let json = raw.get(4..4 + len).ok_or("the link is damaged (header)")?;
    let header: Header =
        serde_json::from_slice(json).map_err(|e| format!("the link is damaged (header: {e})"))?;
    let file = CaseFile::from_document(&Document::from_value("<link>", header.case))
        .map_err(|e| e.to_string())?;
    let mut at = 4 + len;
    let mut modules = Vec::new();
    for m in header.modules {
        let bytes = if m.embedded {
            let end = at + m.size as usize;
            let b = raw
                .get(at..end)
                .ok_or("the link is damaged (module bytes)")?;
            at = end;
            let have = sha256_hex(b);
            if have != m.sha256 {
                return Err(hash_mismatch(&m.path, &have, &m.sha256));
            }
            Some(b.to_vec())
        } else {
            None
        };
        modules.push((m, bytes));
    }
    Ok(Shared {
        file,
        modules,
        eval: header.eval,
    })
}

/// The plain message for a module that is not the one a link was made with.
pub fn hash_mismatch(path: &str, have: &str, want: &str) -> String {
    format!(
        "hash mismatch: {path} has sha256 {have}, but the link was made with {want}; \
         load the exact module the link was made with"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench_with(bytes: &[u8]) -> Workbench {
        let gateway = guardhouse_core::GatewayConfig::parse(
            "t",
            "security_guards:\n  - {id: g, module_path: dist/g.wasm}\n",
        )
        .unwrap();
        let module = crate::model::LoadedModule {
            path: "dist/g.wasm".into(),
            info: guardhouse_core::inspect::ComponentInfo {
                sha256: sha256_hex(bytes),
                size: bytes.len() as u64,
                contract: guardhouse_core::ContractVersion::Canonical,
                exports: vec![],
                imports: vec![],
                wasi: false,
                wasi_version: None,
                producers: Vec::new(),
            },
            bytes: std::sync::Arc::new(bytes.to_vec()),
            schema: None,
            defaults: None,
            timings: Default::default(),
        };
        Workbench {
            modules: vec![module],
            gateway,
            source: None,
        }
    }

    fn file_for(bench: &Workbench) -> CaseFile {
        let case = CaseFile::parse(
            "c",
            "format: guardhouse.case/v1\nname: c\nphase: tools_list\npayload: {tools: []}\nexpect: {decision: allow}\n",
        )
        .unwrap()
        .cases
        .remove(0);
        crate::model::case_file(bench, vec![case])
    }

    #[test]
    fn a_naming_link_carries_no_bytes_even_when_told_to() {
        let bench = bench_with(b"module bytes");
        let case = serde_json::to_value(file_for(&bench)).unwrap();
        let named = LinkedModule {
            path: "dist/g.wasm".into(),
            sha256: sha256_hex(b"module bytes"),
            size: 12,
            embedded: true,
        };
        let shared = decode(&naming(case, vec![named.clone()]).unwrap()).unwrap();
        let want = LinkedModule {
            embedded: false,
            ..named
        };
        assert_eq!(shared.modules, vec![(want, None)]);
        assert_eq!(shared.file.cases[0].name, "c");
    }

    #[test]
    fn links_round_trip_with_and_without_embedded_modules() {
        let bench = bench_with(b"module bytes");
        let file = file_for(&bench);
        let shared = decode(&encode(&bench, &file, MAX_EMBED_BYTES).unwrap()).unwrap();
        assert_eq!(shared.file, file);
        assert_eq!(shared.modules[0].1.as_deref(), Some(&b"module bytes"[..]));
        let shared = decode(&encode(&bench, &file, 0).unwrap()).unwrap();
        assert!(!shared.modules[0].0.embedded);
        assert_eq!(shared.modules[0].0.sha256, sha256_hex(b"module bytes"));
        assert_eq!(shared.modules[0].1, None);
    }

    #[test]
    fn an_eval_link_carries_its_corpora_and_guards_and_a_case_link_none() {
        let bench = bench_with(b"module bytes");
        let file = file_for(&bench);
        let eval = EvalLink {
            corpora: vec![crate::eval::LinkedCorpus {
                name: "guards/corpora/x.yaml".into(),
                file: None,
            }],
            guards: vec!["g".into()],
        };
        let link = encode_with(&bench, &file, Some(eval.clone()), MAX_EMBED_BYTES).unwrap();
        let shared = decode(&link).unwrap();
        assert_eq!(shared.eval, Some(eval));
        assert_eq!(shared.file, file);
        let plain = decode(&encode(&bench, &file, MAX_EMBED_BYTES).unwrap()).unwrap();
        assert_eq!(plain.eval, None);
    }

    #[test]
    fn embedded_bytes_that_do_not_match_their_hash_are_refused() {
        let mut bench = bench_with(b"original");
        let file = file_for(&bench);
        bench.modules[0].bytes = std::sync::Arc::new(b"tampered".to_vec());
        let err = decode(&encode(&bench, &file, MAX_EMBED_BYTES).unwrap())
            .err()
            .unwrap();
        assert!(err.starts_with("hash mismatch: dist/g.wasm"), "{err}");
    }

    #[test]
    fn embed_limit_reads_the_query() {
        assert_eq!(embed_limit(""), MAX_EMBED_BYTES);
        assert_eq!(embed_limit("?a=1&embed_kib=0"), 0);
        assert_eq!(embed_limit("?embed_kib=x"), MAX_EMBED_BYTES);
    }

    #[test]
    fn damaged_links_get_plain_errors() {
        assert!(decode("#nope").is_err());
        assert!(decode("#case=!!!").unwrap_err().contains("damaged"));
        let packed = miniz_oxide::deflate::compress_to_vec(b"\x02\0\0\0{}", 9);
        let link = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed));
        assert!(decode(&link).unwrap_err().contains("header"));
    }

    #[test]
    fn a_scenario_travels_in_a_link_and_back_into_the_editor() {
        use guardhouse_core::case::Case;
        let bench = bench_with(b"module bytes");
        let text = "format: guardhouse.case/v1\ncases:\n  - name: drift\n    guards: [g]\n    steps:\n      - {name: pin, phase: tools_list, payload: {tools: [{name: a}]}, expect: {decision: allow}}\n      - {name: change, phase: tools_list, payload: {tools: [{name: a, description: x}]}, expect: {decision: deny}}\n";
        let parsed = CaseFile::parse("s.yaml", text).unwrap();
        let mut editor = crate::state::default_editor();
        editor.load_cases(&parsed.cases);
        assert_eq!(editor.scenario, "drift");
        let names: Vec<_> = editor.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["pin", "change"]);
        // The editor shows the first step; the file it makes is the scenario again.
        assert_eq!(editor.name, "pin");
        let file = crate::model::case_file(&bench, editor.to_cases(&bench).unwrap());
        let shared = decode(&encode(&bench, &file, MAX_EMBED_BYTES).unwrap()).unwrap();
        let cases = &shared.file.cases;
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].name, "drift / change");
        assert_eq!(cases[1].scenario.as_deref(), Some("drift"));
        assert!(Case::starts_scenario(cases, 0) && !Case::starts_scenario(cases, 1));
        // A step with a name the scenario has is refused.
        assert!(
            editor
                .add_step(&bench)
                .unwrap_err()
                .contains("already has a step `pin`")
        );
    }

    #[test]
    fn a_pin_the_module_breaks_stops_the_chain_naming_both_hashes() {
        let mut bench = bench_with(b"module bytes");
        assert_eq!(bench.check_pins(), Ok(()));
        let have = sha256_hex(b"module bytes");
        bench.gateway.security_guards[0].sha256 = Some("ab".repeat(32));
        let err = bench.check_pins().unwrap_err();
        assert!(err.starts_with("module failed to load: "), "{err}");
        assert!(
            err.contains(&"ab".repeat(32)) && err.contains(&have),
            "{err}"
        );
        assert!(crate::model::PageGateway::new(&bench).is_err());
    }

    #[test]
    fn a_dropped_guard_runs_where_its_schema_suggests() {
        let mut bench = Workbench::default();
        let mut module = bench_with(b"m").modules.remove(0);
        module.path = "dist/spoof.wasm".into();
        module.schema = Some(r#"{"x-guard-meta": {"defaultRunsOn": ["connection"]}}"#.into());
        bench.add_module(module);
        let g = &bench.gateway.security_guards[0];
        assert_eq!(g.runs_on, [guardhouse_core::contract::RunsOn::Connection]);
        // Without the hint (or with phases the format does not know) every phase.
        let mut other = bench_with(b"n").modules.remove(0);
        other.path = "dist/other.wasm".into();
        other.schema = Some(r#"{"x-guard-meta": {"defaultRunsOn": ["everything"]}}"#.into());
        bench.add_module(other);
        assert_eq!(bench.gateway.security_guards[1].runs_on.len(), 4);
    }
}
