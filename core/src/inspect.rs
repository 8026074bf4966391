//! What a guard component is, read from its bytes: contract version, hooks, imports.
//!
//! Every host inspects a component before running it, so every host rejects the same
//! files with the same messages.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};
use wasmparser::{Parser, Payload, ValidPayload, Validator, WasmFeatures};
use wit_parser::{Resolve, TypeDefKind, WorldItem};

use crate::contract::{ContractVersion, GUARD_INTERFACE, HOST_INTERFACE, Phase};

/// Facts about a guard component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentInfo {
    pub sha256: String,
    pub size: u64,
    pub contract: ContractVersion,
    /// Exported functions of the guard interface, in export order.
    pub exports: Vec<String>,
    /// Imported interfaces (and functions), fully qualified.
    pub imports: Vec<String>,
    /// Whether the component imports WASI interfaces (`wasi:*`).
    pub wasi: bool,
    /// The newest WASI 0.2.x version it imports (`0.2.6`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasi_version: Option<String>,
    /// Who made it: the `producers` sections of the component and its core modules
    /// (`language`, `processed-by`, `sdk`), each tool once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub producers: Vec<Producer>,
}

/// One entry of a `producers` section: e.g. `language` `Python` `3.12`, or
/// `processed-by` `componentize-py` `0.25.1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Producer {
    pub field: String,
    pub name: String,
    pub version: String,
}

impl Producer {
    /// `field: name version` (the version left out when empty).
    pub fn label(&self) -> String {
        match self.version.is_empty() {
            true => format!("{}: {}", self.field, self.name),
            false => format!("{}: {} {}", self.field, self.name, self.version),
        }
    }
}

impl ComponentInfo {
    /// Whether the component exports `hook` (e.g. `evaluate-response`).
    pub fn exports_hook(&self, hook: &str) -> bool {
        self.exports.iter().any(|e| e == hook)
    }

    /// Whether the component can screen `phase` at all.
    pub fn handles(&self, phase: Phase) -> bool {
        self.exports_hook(phase.hook())
    }

    /// Whether the component has the settings hooks.
    pub fn has_settings(&self) -> bool {
        self.exports_hook(crate::contract::GET_SETTINGS_SCHEMA)
    }
}

/// Why a file is not a usable guard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    #[error("not a WebAssembly file (hint: pass a component built with `guardhouse build`)")]
    NotWasm,
    #[error(
        "not a component: this is a core WebAssembly module (hint: turn it into a component with `guardhouse build` or `wasm-tools component new`)"
    )]
    CoreModule,
    #[error("not a valid component: {0}")]
    Invalid(String),
    #[error(
        "wrong contract: {0} (hint: build the guard against wit/guard.wit, mcp:security-guard@0.1.0)"
    )]
    WrongContract(String),
    #[error(
        "unsupported import `{0}`: guards may import only {HOST_INTERFACE} and WASI 0.2.x cli, clocks, filesystem, io, random and sockets (hint: remove the dependency that needs it)"
    )]
    UnsupportedImport(String),
}

/// Every hook name either contract version defines, with its parameter count.
const KNOWN_FUNCTIONS: [(&str, usize); 6] = [
    ("evaluate-server-connection", 1),
    ("evaluate-tools-list", 2),
    ("evaluate-tool-invoke", 3),
    ("evaluate-response", 2),
    ("get-settings-schema", 0),
    ("get-default-config", 0),
];

/// The WASI interfaces every host provides (with nothing granted), at any `0.2.x`
/// version: what wasmtime-wasi's `p2::add_to_linker_sync` links natively and
/// `core/js/wasi-shim.mjs` serves on the JS hosts. `wasi:http`, `wasi:clocks/timezone`
/// (unstable), WASI 0.3 and other proposals are not provided.
pub const PROVIDED_WASI: [&str; 27] = [
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/ip-name-lookup",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
];

/// Whether `name` (`wasi:cli/environment@0.2.6`) is a provided WASI interface at a
/// `0.2.x` version (every minor release of WASI 0.2 is served by the same hosts).
fn is_provided_wasi(name: &str) -> bool {
    let Some((iface, version)) = name.split_once('@') else {
        return false;
    };
    let patch = version.strip_prefix("0.2.").unwrap_or("");
    PROVIDED_WASI.contains(&iface) && !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit())
}

/// The hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a guard component's contract, hooks and imports.
pub fn inspect(bytes: &[u8]) -> Result<ComponentInfo, InspectError> {
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(InspectError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(InspectError::NotWasm);
    }
    // wit-parser's decoder reads through a buffer that it grows by a section's declared
    // size before reading the section, so 16 bytes declaring a 4 GiB section cost 4 GiB.
    // The framing is checked on the bytes at hand first (no buffer): a section longer
    // than the file fails here with the error the decoder would give.
    if let Some(Err(e)) = wasmparser::Parser::new(0)
        .parse_all(bytes)
        .find(Result::is_err)
    {
        return Err(InspectError::Invalid(e.to_string()));
    }
    // The decoder orders packages by recursing into each one's dependencies before
    // marking it done, so two packages that use each other's types recurse until the
    // stack overflows (wit-parser 0.254, `WitPackageDecoder::visit_package`).
    if let Some(cycle) = package_cycle(bytes) {
        return Err(InspectError::Invalid(cycle));
    }
    let decoded =
        wit_parser::decoding::decode(bytes).map_err(|e| InspectError::Invalid(format!("{e:#}")))?;
    let wit_parser::decoding::DecodedWasm::Component(resolve, world) = decoded else {
        return Err(InspectError::Invalid(
            "a WIT package, not a component".into(),
        ));
    };
    let world = &resolve.worlds[world];

    let mut imports = Vec::new();
    let mut wasi = false;
    for (key, item) in &world.imports {
        let name = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { .. } if name == HOST_INTERFACE => {}
            WorldItem::Interface { .. } if is_provided_wasi(&name) => wasi = true,
            WorldItem::Type { .. } => continue,
            _ => return Err(InspectError::UnsupportedImport(name)),
        }
        imports.push(name);
    }

    let mut guard = None;
    let mut other_exports = Vec::new();
    for (key, item) in &world.exports {
        let name = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { id, .. } if name == GUARD_INTERFACE => guard = Some(*id),
            _ => other_exports.push(name),
        }
    }
    let Some(guard) = guard else {
        return Err(InspectError::WrongContract(format!(
            "the component does not export {GUARD_INTERFACE} (it exports: {})",
            if other_exports.is_empty() {
                "nothing".to_string()
            } else {
                other_exports.join(", ")
            }
        )));
    };
    let iface = &resolve.interfaces[guard];
    let mut exports = Vec::new();
    for (name, func) in &iface.functions {
        match KNOWN_FUNCTIONS.iter().find(|(n, _)| n == name) {
            Some((_, arity)) if *arity == func.params.len() => exports.push(name.clone()),
            Some((_, arity)) => {
                return Err(InspectError::WrongContract(format!(
                    "`{name}` takes {} parameters, the contract says {arity}",
                    func.params.len()
                )));
            }
            None => {
                return Err(InspectError::WrongContract(format!(
                    "unknown function `{name}` in {GUARD_INTERFACE}"
                )));
            }
        }
    }
    if !exports.iter().any(|e| e.starts_with("evaluate-")) {
        return Err(InspectError::WrongContract(
            "the guard exports no evaluate-* hook".into(),
        ));
    }
    let contract = contract_version(&resolve, iface)?;
    if contract == ContractVersion::Minimal && exports.iter().any(|e| e != "evaluate-tools-list") {
        return Err(InspectError::WrongContract(
            "a guard without `server-url` and `warn` (the minimal contract) may only export evaluate-tools-list".into(),
        ));
    }
    let wasi_version = imports
        .iter()
        .filter_map(|i| {
            i.strip_prefix("wasi:")?
                .split_once("@0.2.")?
                .1
                .parse::<u32>()
                .ok()
        })
        .max()
        .map(|patch| format!("0.2.{patch}"));
    Ok(ComponentInfo {
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
        contract,
        exports,
        imports,
        wasi,
        wasi_version,
        producers: producers(bytes),
    })
}

/// Two packages of the component's interfaces that use each other's types, as
/// wit-parser's decoder sees them: `ns:pkg/iface@v` is in package `ns:pkg@v`, and an
/// interface whose exported type aliases another interface's type (a WIT `use`) depends
/// on it. `None` when there is no cycle, or when the component does not get as far (the
/// decoder then says why). Like the decoder, it validates everything but function bodies.
fn package_cycle(bytes: &[u8]) -> Option<String> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let (mut depth, mut types, mut names) = (1usize, None, Vec::new());
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.ok()?;
        match validator.payload(&payload).ok()? {
            ValidPayload::Parser(_) => depth += 1,
            ValidPayload::End(t) => {
                depth -= 1;
                if depth == 0 {
                    types = Some(t);
                }
            }
            _ => {}
        }
        match payload {
            Payload::ComponentImportSection(s) if depth == 1 => {
                for import in s {
                    names.push((import.ok()?.name.name, true));
                }
            }
            Payload::ComponentExportSection(s) if depth == 1 => {
                for export in s {
                    names.push((export.ok()?.name.name, false));
                }
            }
            _ => {}
        }
    }
    let types = types?;
    let mut packages: Vec<String> = Vec::new();
    let mut uses: Vec<Vec<usize>> = Vec::new();
    // The package of the interface that defined each type (`None`: the world's).
    let mut owner: HashMap<ComponentAnyTypeId, Option<usize>> = HashMap::new();
    for (name, import) in names {
        let item = match import {
            true => types.component_item_for_import(name)?,
            false => types.component_item_for_export(name)?,
        };
        let package = interface_package(name).map(|p| {
            packages.iter().position(|q| *q == p).unwrap_or_else(|| {
                packages.push(p);
                uses.push(Vec::new());
                packages.len() - 1
            })
        });
        let exported = match item.ty {
            ComponentEntityType::Instance(id) => types[id].exports.values().map(|e| e.ty).collect(),
            other => vec![other],
        };
        for ty in exported {
            let ComponentEntityType::Type {
                referenced,
                created,
            } = ty
            else {
                continue;
            };
            let mut aliased = Some(referenced);
            let used = loop {
                let Some(id) = aliased else { break None };
                if let Some(p) = owner.get(&id) {
                    break *p;
                }
                aliased = types.peel_alias(id);
            };
            if let (Some(from), Some(to)) = (package, used)
                && from != to
                && !uses[from].contains(&to)
            {
                uses[from].push(to);
            }
            owner.entry(created).or_insert(package);
        }
    }
    for start in 0..packages.len() {
        // (package reached, the first package on the way from `start`)
        let mut stack: Vec<(usize, usize)> = uses[start].iter().map(|&p| (p, p)).collect();
        let mut seen = vec![false; packages.len()];
        while let Some((p, via)) = stack.pop() {
            if p == start {
                let (a, b) = (&packages[start], &packages[via]);
                return Some(format!("packages `{a}` and `{b}` use each other's types"));
            }
            if !std::mem::replace(&mut seen[p], true) {
                stack.extend(uses[p].iter().map(|&q| (q, via)));
            }
        }
    }
    None
}

/// `ns:pkg@v` for an interface name `ns:pkg/iface@v` (`None` for other names).
fn interface_package(name: &str) -> Option<String> {
    let (path, version) = match name.split_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (name, None),
    };
    let (package, _) = path.split_once('/')?;
    if !package.contains(':') || package.contains(['=', '<', '[']) {
        return None;
    }
    Some(match version {
        Some(v) => format!("{package}@{v}"),
        None => package.to_string(),
    })
}

/// Every `producers` entry of the component and the modules and components nested in
/// it, in the order found, each (field, name, version) once. Unreadable sections are
/// skipped: producers are information, not a reason to refuse a guard.
fn producers(bytes: &[u8]) -> Vec<Producer> {
    let mut out: Vec<Producer> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(wasmparser::Payload::CustomSection(section)) = payload else {
            continue;
        };
        let wasmparser::KnownCustom::Producers(reader) = section.as_known() else {
            continue;
        };
        for field in reader.into_iter().flatten() {
            for value in field.values.into_iter().flatten() {
                let p = Producer {
                    field: field.name.to_string(),
                    name: value.name.to_string(),
                    version: value.version.to_string(),
                };
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Canonical: `guard-context` has `server-url` and `decision` has `warn`. Minimal: neither.
fn contract_version(
    resolve: &Resolve,
    iface: &wit_parser::Interface,
) -> Result<ContractVersion, InspectError> {
    let field_names = |ty: &str| -> Result<Vec<String>, InspectError> {
        let id = iface.types.get(ty).ok_or_else(|| {
            InspectError::WrongContract(format!("the guard interface has no `{ty}` type"))
        })?;
        Ok(match &resolve.types[*id].kind {
            TypeDefKind::Record(r) => r.fields.iter().map(|f| f.name.clone()).collect(),
            TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.name.clone()).collect(),
            _ => Vec::new(),
        })
    };
    let context = field_names("guard-context")?;
    let decision = field_names("decision")?;
    let has_url = context.iter().any(|f| f == "server-url");
    let has_warn = decision.iter().any(|c| c == "warn");
    let base_context = ["server-name", "identity", "metadata"];
    let base_decision = ["allow", "deny", "modify"];
    if !base_context.iter().all(|f| context.iter().any(|c| c == f))
        || !base_decision
            .iter()
            .all(|f| decision.iter().any(|c| c == f))
    {
        return Err(InspectError::WrongContract(format!(
            "guard-context has fields [{}] and decision has cases [{}]",
            context.join(", "),
            decision.join(", ")
        )));
    }
    match (has_url, has_warn) {
        (true, true) => Ok(ContractVersion::Canonical),
        (false, false) => Ok(ContractVersion::Minimal),
        _ => Err(InspectError::WrongContract(format!(
            "a mix of contract versions: guard-context {} `server-url` but decision {} `warn`",
            if has_url { "has" } else { "lacks" },
            if has_warn { "has" } else { "lacks" }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_wasm_and_core_modules() {
        assert_eq!(inspect(b"hello"), Err(InspectError::NotWasm));
        // The smallest core module: magic + version 1.
        assert_eq!(inspect(b"\0asm\x01\0\0\0"), Err(InspectError::CoreModule));
    }

    /// Found by `fuzz/` (target `inspect`): a section declaring more bytes than the file
    /// has made the decoder allocate the declared size (4 GiB for 16 bytes) before
    /// failing; the framing check refuses it first, with the decoder's own error.
    #[test]
    fn a_section_longer_than_the_file_is_refused() {
        // A component with one custom section (id 0) of declared length `len`, holding 2.
        let section = |len: &[u8]| [b"\0asm\x0d\0\x01\0\0".as_slice(), len, b"\x01x"].concat();
        let short = section(b"\x0a");
        let Err(want) = wit_parser::decoding::decode(&short) else {
            panic!("decoded a truncated component");
        };
        assert_eq!(
            inspect(&short),
            Err(InspectError::Invalid(format!("{want:#}")))
        );
        let huge = section(b"\xf0\xff\xff\xff\x0f");
        assert!(
            matches!(inspect(&huge), Err(InspectError::Invalid(m)) if m.contains("unexpected end")),
            "{:?}",
            inspect(&huge)
        );
    }

    /// A component importing `a:x/p@1.0.0` (resource `r`), `a:x/q@{q}` (its `r` is p's)
    /// and `a:x/s@1.0.0` (its `r` is q's), in the binary format.
    fn three_interfaces(q: &str) -> Vec<u8> {
        // Every length here is under 128: one LEB byte.
        let section = |id: u8, item: &[u8]| [&[id, item.len() as u8 + 1, 1][..], item].concat();
        let import = |name: &str, ty: u8| {
            let name = [&[0, name.len() as u8][..], name.as_bytes()].concat();
            section(10, &[&name[..], &[0x05, ty]].concat())
        };
        // (instance (alias outer 1 $used (type)) (export "r" (type (eq 0))))
        let using = |used: u8| section(7, &[0x42, 2, 2, 3, 2, 1, used, 4, 0, 1, b'r', 3, 0, 0]);
        let alias_r = |instance: u8| section(6, &[3, 0, instance, 1, b'r']);
        [
            b"\0asm\x0d\0\x01\0".to_vec(),
            section(7, &[0x42, 1, 4, 0, 1, b'r', 3, 1]),
            import("a:x/p@1.0.0", 0),
            alias_r(0),
            using(1),
            import(&format!("a:x/q@{q}"), 2),
            alias_r(1),
            using(3),
            import("a:x/s@1.0.0", 4),
        ]
        .concat()
    }

    /// Found by `fuzz/` (target `inspect`, from tests/fixtures/dist/wasi-probe.wasm with
    /// `wasi:sockets/udp@0.2.6` renamed `@1.2.6`): interfaces whose names put them in two
    /// packages that use each other's types sent the decoder into endless recursion, a
    /// stack overflow that aborted the process on every host.
    #[test]
    fn a_package_cycle_is_refused() {
        let err = inspect(&three_interfaces("2.0.0")).unwrap_err();
        let want = "packages `a:x@1.0.0` and `a:x@2.0.0` use each other's types";
        assert_eq!(err, InspectError::Invalid(want.into()));
        // Without the cycle the same component decodes (and is refused for its imports).
        let err = inspect(&three_interfaces("1.0.0")).unwrap_err();
        assert!(matches!(err, InspectError::UnsupportedImport(_)), "{err}");
    }

    #[test]
    fn every_wasi_0_2_release_of_the_provided_interfaces_is_allowed() {
        for patch in 0..=12 {
            for iface in PROVIDED_WASI {
                assert!(
                    is_provided_wasi(&format!("{iface}@0.2.{patch}")),
                    "{iface}@0.2.{patch}"
                );
            }
        }
        for name in [
            "wasi:http/outgoing-handler@0.2.0",
            "wasi:clocks/timezone@0.2.12",
            "wasi:cli/run@0.2.0",
            "wasi:cli/environment@0.3.0",
            "wasi:cli/environment@0.2.0-rc-2023-11-10",
            "wasi:cli/environment@0.2.",
            "wasi:cli/environment",
        ] {
            assert!(!is_provided_wasi(name), "{name}");
        }
    }

    #[test]
    fn error_messages_name_the_fix() {
        assert!(
            InspectError::CoreModule
                .to_string()
                .contains("guardhouse build")
        );
        assert!(
            InspectError::UnsupportedImport("wasi:http/outgoing-handler".into())
                .to_string()
                .starts_with("unsupported import `wasi:http/outgoing-handler`")
        );
    }
}
