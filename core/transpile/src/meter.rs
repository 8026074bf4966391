//! Instruments a core wasm module so a JS host can enforce fuel and memory limits and
//! snapshot its state.
//!
//! A Worker or a browser cannot interrupt synchronous wasm, so the module polices itself:
//!
//! - `__gh_fuel` (mutable i64, exported): remaining fuel. Each straight-line stretch of
//!   code subtracts its operator count when it starts, approximating wasmtime's one unit
//!   per operator; function entries and loop headers also check it, and when it is below
//!   zero the module sets `__gh_trap = 1` and executes `unreachable`. Like wasmtime 48,
//!   `memory.fill`/`copy`/`init` also cost one unit per byte and `table.fill`/`copy`/
//!   `init`/`grow` one per element, charged and checked before the operator runs.
//! - `__gh_mem_limit` (mutable i32, exported): the most pages a memory may have, `-1`
//!   for no limit. Every `memory.grow` checks current + delta against it; past it the
//!   module sets `__gh_trap = 2` and traps, as wasmtime's memory limiter does.
//! - `__gh_table_limit` (mutable i32, exported): the most elements a table may have,
//!   `-1` for no limit, [`DEFAULT_TABLE_LIMIT`] unless a host sets it. A `table.grow`
//!   past it fails (returns -1), as wasmtime's resource limiter makes it fail natively.
//! - `__gh_trap` (mutable i32, exported): why the module trapped (0 = not by us).
//! - Every other mutable global, including the virtual page counts below, is exported
//!   as `__gh_g<N>`, and every defined memory as `__gh_mem<N>`, so a host can snapshot
//!   and restore the instance.
//!
//! Defined memories are *virtualized*: `memory.size` reads a page-count global and
//! `memory.grow` only grows the real memory when the virtual size passes it. A host that
//! restores a snapshot into an instance whose real memory grew can therefore make it
//! look exactly like a fresh instance (the guest sees the original size, and the pages
//! past it are zeroed by the host), instead of re-instantiating.
//!
//! 64-bit memories and tables (memory64) are instrumented the same way, with i64
//! operands where theirs are i64; the exported globals keep their types, so a host reads
//! one interface whatever the module's index types (page counts and limits stay i32:
//! see [`MAX_PAGES64`]).
//!
//! A module's start function would run inside instantiation, before a host can arm any
//! limit. The start section is therefore removed and the function exported as
//! `__gh_start`: a host instantiates, arms the limits, then calls `__gh_start` (before
//! anything else uses the instance) to finish instantiation.
//!
//! A module that mutates tables or drops data segments at run time cannot be restored
//! from memory and globals alone; it gets an exported `__gh_snapshot_unsafe` global and
//! hosts must re-instantiate it instead.
//!
//! The pass never renumbers anything: helpers, globals, types and exports are appended,
//! so sections it does not change (imports, tables, elements, data, custom sections) are
//! copied byte for byte and function bodies are copied operator by operator. It decodes
//! every operator wasmparser knows; it does not validate (js-component-bindgen validated
//! the component these modules come from, and the engine validates the output).

use std::ops::Range;

use anyhow::{Context, Result, bail};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, FunctionSection, GlobalSection, GlobalType,
    RawSection, TypeSection, ValType,
};
use wasmparser::{
    Encoding, ExportSectionReader, FunctionBody, FunctionSectionReader, GlobalSectionReader,
    Parser, Payload, TypeRef, TypeSectionReader, WasmFeatures,
};

#[path = "meter_body.rs"]
mod body;
#[path = "meter_helpers.rs"]
mod helpers;

/// Exported remaining fuel (i64).
pub const FUEL_GLOBAL: &str = "__gh_fuel";
/// Exported memory limit in pages (i32, -1 = unlimited).
pub const MEM_LIMIT_GLOBAL: &str = "__gh_mem_limit";
/// Exported table limit in elements (i32, -1 = unlimited).
pub const TABLE_LIMIT_GLOBAL: &str = "__gh_table_limit";
/// Exported trap cause (i32).
pub const TRAP_GLOBAL: &str = "__gh_trap";
/// `__gh_trap` value: the fuel ran out.
pub const TRAP_FUEL: i32 = 1;
/// `__gh_trap` value: a `memory.grow` went past `__gh_mem_limit`.
pub const TRAP_MEMORY: i32 = 2;
/// Prefix of the exported mutable globals a host snapshots.
pub const GLOBAL_PREFIX: &str = "__gh_g";
/// Prefix of the exported defined memories a host snapshots.
pub const MEMORY_PREFIX: &str = "__gh_mem";
/// Prefix of the exported virtual page counts, paired with `__gh_mem<N>`.
pub const PAGES_PREFIX: &str = "__gh_pages";
/// Exported i64: the page count the last refused `memory.grow` asked for.
pub const MEM_WANT_GLOBAL: &str = "__gh_mem_want";
/// Present (as an immutable export) when the module cannot be restored from a snapshot.
pub const SNAPSHOT_UNSAFE: &str = "__gh_snapshot_unsafe";
/// The module's start function, exported instead of run at instantiation.
pub const START_EXPORT: &str = "__gh_start";

/// `__gh_table_limit`'s initial value: the elements a table may have on every host.
pub const DEFAULT_TABLE_LIMIT: i32 = guardhouse_core::config::MAX_TABLE_ELEMENTS as i32;

/// The largest page count of a 32-bit memory.
const MAX_PAGES: i64 = 65536;

/// The largest page count of a 64-bit memory here: what its virtual page count, an i32
/// global like every memory's, holds. That is 128 TiB (all of x86-64's user address
/// space; V8 allows 16 GiB), more than an engine maps, so a `memory.grow` past it fails
/// as it would natively.
const MAX_PAGES64: i64 = i32::MAX as i64;

/// A memory's or a table's index type: the type of its addresses, sizes, deltas and
/// lengths.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum IndexType {
    I32,
    I64,
}

impl IndexType {
    fn new(is64: bool) -> Self {
        if is64 { Self::I64 } else { Self::I32 }
    }

    fn val_type(self) -> ValType {
        match self {
            Self::I32 => ValType::I32,
            Self::I64 => ValType::I64,
        }
    }

    /// The length's type of a copy between `self` and `other`: i64 only when both are
    /// 64-bit (the spec's `min` of the two).
    fn min(self, other: Self) -> Self {
        if self == Self::I64 && other == Self::I64 {
            Self::I64
        } else {
            Self::I32
        }
    }
}

/// A memory of the input.
#[derive(Clone, Copy)]
struct Memory {
    /// Defined here, not imported.
    defined: bool,
    /// Initial pages.
    initial: u64,
    index_type: IndexType,
}

/// What the pass needs to know about the input: index space sizes and its memories.
#[derive(Default)]
struct Facts {
    types: u32,
    imported_funcs: u32,
    defined_funcs: u32,
    imported_globals: u32,
    defined_globals: u32,
    /// Indices of the defined mutable globals, in order.
    mutable_globals: Vec<u32>,
    /// Per memory, in index order.
    memories: Vec<Memory>,
    /// Per table, in index order: its index type.
    tables: Vec<IndexType>,
    start: Option<u32>,
    /// It already exports `__gh_*` names.
    instrumented: bool,
}

/// A section of the input, in input order.
enum Section<'a> {
    /// Copied byte for byte (custom sections included).
    Raw(u8, Range<usize>),
    Type(TypeSectionReader<'a>),
    Function(FunctionSectionReader<'a>),
    Global(GlobalSectionReader<'a>),
    Export(ExportSectionReader<'a>),
    /// Dropped: the start function is exported instead.
    Start,
    Code,
}

impl Section<'_> {
    /// The position of a section the pass may add in the binary format's order.
    fn rank(&self) -> Option<u8> {
        Some(match self {
            Section::Raw(id, _) => return id_rank(*id),
            Section::Type(_) => 1,
            Section::Function(_) => 3,
            Section::Global(_) => 7,
            Section::Export(_) => 8,
            Section::Start => 9,
            Section::Code => 12,
        })
    }
}

/// Where a section id sits in the binary format's order (`None` for custom sections).
fn id_rank(id: u8) -> Option<u8> {
    Some(match id {
        1 => 1,   // type
        2 => 2,   // import
        3 => 3,   // function
        4 => 4,   // table
        5 => 5,   // memory
        13 => 6,  // tag
        6 => 7,   // global
        7 => 8,   // export
        8 => 9,   // start
        9 => 10,  // element
        12 => 11, // data count
        10 => 12, // code
        11 => 13, // data
        _ => return None,
    })
}

/// The parsed input: its sections, function bodies and facts.
struct Input<'a> {
    sections: Vec<Section<'a>>,
    bodies: Vec<FunctionBody<'a>>,
    facts: Facts,
}

/// Index of everything the instrumentation adds, and what the code rewrite calls.
pub(crate) struct Plan {
    fuel: u32,
    mem_limit: u32,
    table_limit: u32,
    trap: u32,
    want: u32,
    /// Per memory: its page-count global when defined here.
    pages: Vec<Option<u32>>,
    /// Per memory: its index type.
    memory_types: Vec<IndexType>,
    /// Per table: its index type.
    table_types: Vec<IndexType>,
    /// First global index past the ones above (the `__gh_snapshot_unsafe` global).
    next_global: u32,
    void_type: u32,
    /// `(i32) -> i32`; `(i64) -> i64` follows it when the module has a 64-bit memory or
    /// table (`wide`).
    i32_type: u32,
    wide: bool,
    out_of_fuel: u32,
    over_memory: u32,
    /// `(units: i32) -> i32`: charges `units` fuel, returns them; its `(i64) -> i64`
    /// twin follows it when `wide`.
    charge: u32,
    /// Per memory: its `memory.grow` replacement, typed by the memory's index type.
    grow: Vec<u32>,
    /// Per table: `(delta) -> delta`, checks `table.grow`'s delta against the limit.
    table_check: Vec<u32>,
}

impl Plan {
    fn new(f: &Facts) -> Self {
        let g = f.imported_globals + f.defined_globals;
        let mut pages = Vec::new();
        let mut next_global = g + 5;
        for m in &f.memories {
            pages.push(m.defined.then(|| {
                next_global += 1;
                next_global - 1
            }));
        }
        let memory_types: Vec<_> = f.memories.iter().map(|m| m.index_type).collect();
        let wide = memory_types
            .iter()
            .chain(&f.tables)
            .any(|&t| t == IndexType::I64);
        let func = f.imported_funcs + f.defined_funcs;
        let first_grow = func + 3 + u32::from(wide);
        let memories = f.memories.len() as u32;
        Self {
            fuel: g,
            mem_limit: g + 1,
            table_limit: g + 2,
            trap: g + 3,
            want: g + 4,
            pages,
            memory_types,
            table_types: f.tables.clone(),
            next_global,
            void_type: f.types,
            i32_type: f.types + 1,
            wide,
            out_of_fuel: func,
            over_memory: func + 1,
            charge: func + 2,
            grow: (0..memories).map(|m| first_grow + m).collect(),
            table_check: (0..f.tables.len() as u32)
                .map(|t| first_grow + memories + t)
                .collect(),
        }
    }

    /// `(x) -> x` for `x` of index type `t`.
    fn unary_type(&self, t: IndexType) -> u32 {
        match t {
            IndexType::I32 => self.i32_type,
            IndexType::I64 => self.i32_type + 1,
        }
    }

    /// The helper that charges a count of index type `t`.
    fn charge(&self, t: IndexType) -> u32 {
        match t {
            IndexType::I32 => self.charge,
            IndexType::I64 => self.charge + 1,
        }
    }

    /// The index types the helpers handle: i32, and i64 when `wide`. One `(x) -> x` type
    /// and one charge helper each, in this order.
    fn index_types(&self) -> &'static [IndexType] {
        if self.wide {
            &[IndexType::I32, IndexType::I64]
        } else {
            &[IndexType::I32]
        }
    }

    /// The helper functions' type indices, in function index order.
    fn helper_types(&self) -> impl Iterator<Item = u32> + '_ {
        let unary = self.index_types().iter();
        let unary = unary.chain(&self.memory_types).chain(&self.table_types);
        [self.void_type; 2]
            .into_iter()
            .chain(unary.map(|&t| self.unary_type(t)))
    }
}

/// Instruments `core_wasm` (see the module docs). The result behaves exactly like the
/// input until a host lowers `__gh_fuel` or sets `__gh_mem_limit`, except that the
/// start function waits for a call to `__gh_start`.
pub fn meter(core_wasm: &[u8]) -> Result<Vec<u8>> {
    let input = parse(core_wasm).context("not a valid core module")?;
    if input.facts.instrumented {
        bail!("module is already instrumented (it exports `__gh_*` names)");
    }
    let plan = Plan::new(&input.facts);
    let mut code = CodeSection::new();
    let mut unsafe_snapshot = false;
    let mut scratch = body::Scratch::default();
    for (i, func) in input.bodies.iter().enumerate() {
        let rewritten = body::rewrite(func, &plan, &mut scratch)
            .with_context(|| format!("function {}", input.facts.imported_funcs as usize + i))?;
        unsafe_snapshot |= rewritten.mutates_tables_or_segments;
        code.raw(&scratch.out);
    }
    helpers::emit(&plan, &mut code);
    emit(core_wasm, &input, &plan, code, unsafe_snapshot)
}

/// Reads the sections and facts of `wasm`.
fn parse(wasm: &[u8]) -> Result<Input<'_>> {
    let mut input = Input {
        sections: Vec::new(),
        bodies: Vec::new(),
        facts: Facts::default(),
    };
    let f = &mut input.facts;
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::all());
    for payload in parser.parse_all(wasm) {
        let payload = payload?;
        let section = match &payload {
            Payload::Version { encoding, .. } => {
                if *encoding != Encoding::Module {
                    bail!("a component, not a core module");
                }
                continue;
            }
            Payload::TypeSection(r) => {
                for group in r.clone() {
                    f.types += group?.types().len() as u32;
                }
                Section::Type(r.clone())
            }
            Payload::ImportSection(r) => {
                for import in r.clone().into_imports() {
                    match import?.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => f.imported_funcs += 1,
                        TypeRef::Global(_) => f.imported_globals += 1,
                        TypeRef::Memory(m) => f.memories.push(memory(m, false)),
                        TypeRef::Table(t) => f.tables.push(IndexType::new(t.table64)),
                        TypeRef::Tag(_) => {}
                    }
                }
                raw(&payload)
            }
            Payload::FunctionSection(r) => {
                f.defined_funcs = r.count();
                Section::Function(r.clone())
            }
            Payload::TableSection(r) => {
                for t in r.clone() {
                    f.tables.push(IndexType::new(t?.ty.table64));
                }
                raw(&payload)
            }
            Payload::MemorySection(r) => {
                for m in r.clone() {
                    f.memories.push(memory(m?, true));
                }
                raw(&payload)
            }
            Payload::GlobalSection(r) => {
                for (i, g) in r.clone().into_iter().enumerate() {
                    if g?.ty.mutable {
                        f.mutable_globals.push(f.imported_globals + i as u32);
                    }
                }
                f.defined_globals = r.count();
                Section::Global(r.clone())
            }
            Payload::ExportSection(r) => {
                for e in r.clone() {
                    f.instrumented |= e?.name.starts_with("__gh_");
                }
                Section::Export(r.clone())
            }
            Payload::StartSection { func, .. } => {
                f.start = Some(*func);
                Section::Start
            }
            Payload::CodeSectionStart { .. } => Section::Code,
            Payload::CodeSectionEntry(body) => {
                input.bodies.push(body.clone());
                continue;
            }
            Payload::End(_) => break,
            _ => match payload.as_section() {
                Some(_) => raw(&payload),
                None => bail!("unexpected payload {payload:?}"),
            },
        };
        input.sections.push(section);
    }
    Ok(input)
}

fn raw(payload: &Payload<'_>) -> Section<'static> {
    let (id, range) = payload.as_section().expect("a section payload");
    Section::Raw(id, range)
}

fn memory(m: wasmparser::MemoryType, defined: bool) -> Memory {
    Memory {
        defined,
        initial: m.initial,
        index_type: IndexType::new(m.memory64),
    }
}

/// Writes the instrumented module: input sections in order, with the changed ones
/// replaced and the missing ones the instrumentation needs inserted where they belong.
fn emit(
    wasm: &[u8],
    input: &Input<'_>,
    plan: &Plan,
    code: CodeSection,
    unsafe_snapshot: bool,
) -> Result<Vec<u8>> {
    let mut out = wasm_encoder::Module::new();
    let mut code = Some(code);
    // Sections the instrumentation needs, by rank, until written.
    let mut pending = vec![1u8, 3, 7, 8, 12];
    let mut rt = RoundtripReencoder;
    for section in &input.sections {
        if let Some(rank) = section.rank() {
            for missing in take_before(&mut pending, rank) {
                emit_new(&mut out, missing, input, plan, &mut code, unsafe_snapshot);
            }
        }
        match section {
            Section::Raw(id, range) => {
                out.section(&RawSection {
                    id: *id,
                    data: &wasm[range.clone()],
                });
            }
            Section::Type(r) => {
                let mut s = TypeSection::new();
                rt.parse_type_section(&mut s, r.clone())?;
                add_types(&mut s, plan);
                out.section(&s);
            }
            Section::Function(r) => {
                let mut s = FunctionSection::new();
                rt.parse_function_section(&mut s, r.clone())?;
                plan.helper_types().for_each(|t| {
                    s.function(t);
                });
                out.section(&s);
            }
            Section::Global(r) => {
                let mut s = GlobalSection::new();
                rt.parse_global_section(&mut s, r.clone())?;
                add_globals(&mut s, input, unsafe_snapshot);
                out.section(&s);
            }
            Section::Export(r) => {
                let mut s = ExportSection::new();
                rt.parse_export_section(&mut s, r.clone())?;
                add_exports(&mut s, &input.facts, plan, unsafe_snapshot);
                out.section(&s);
            }
            Section::Start => {}
            Section::Code => {
                out.section(code.as_ref().expect("one code section"));
                code = None;
            }
        }
    }
    for missing in std::mem::take(&mut pending) {
        emit_new(&mut out, missing, input, plan, &mut code, unsafe_snapshot);
    }
    Ok(out.finish())
}

/// Removes and returns the ranks in `pending` that must come before `rank`; a section
/// of `rank` itself replaces the pending one.
fn take_before(pending: &mut Vec<u8>, rank: u8) -> Vec<u8> {
    let (before, after): (Vec<u8>, Vec<u8>) = pending.iter().partition(|&&r| r < rank);
    *pending = after.into_iter().filter(|&r| r != rank).collect();
    before
}

/// Writes a section of `rank` the input lacks, with only what the instrumentation adds.
fn emit_new(
    out: &mut wasm_encoder::Module,
    rank: u8,
    input: &Input<'_>,
    plan: &Plan,
    code: &mut Option<CodeSection>,
    unsafe_snapshot: bool,
) {
    match rank {
        1 => {
            let mut s = TypeSection::new();
            add_types(&mut s, plan);
            out.section(&s);
        }
        3 => {
            let mut s = FunctionSection::new();
            plan.helper_types().for_each(|t| {
                s.function(t);
            });
            out.section(&s);
        }
        7 => {
            let mut s = GlobalSection::new();
            add_globals(&mut s, input, unsafe_snapshot);
            out.section(&s);
        }
        8 => {
            let mut s = ExportSection::new();
            add_exports(&mut s, &input.facts, plan, unsafe_snapshot);
            out.section(&s);
        }
        12 => {
            if let Some(code) = code.take() {
                out.section(&code);
            }
        }
        _ => unreachable!("only the ranks listed in `emit`"),
    }
}

/// `() -> ()`, `(i32) -> i32` and, for a `wide` plan, `(i64) -> i64`, at
/// `Plan::void_type` and `Plan::unary_type`.
fn add_types(s: &mut TypeSection, plan: &Plan) {
    s.ty().function([], []);
    for &t in plan.index_types() {
        s.ty().function([t.val_type()], [t.val_type()]);
    }
}

/// The globals at the indices `Plan::new` assigned.
fn add_globals(s: &mut GlobalSection, input: &Input<'_>, unsafe_snapshot: bool) {
    let mut add = |ty: ValType, init: ConstExpr| {
        let ty = GlobalType {
            val_type: ty,
            mutable: true,
            shared: false,
        };
        s.global(ty, &init);
    };
    add(ValType::I64, ConstExpr::i64_const(i64::MAX));
    add(ValType::I32, ConstExpr::i32_const(-1));
    add(ValType::I32, ConstExpr::i32_const(DEFAULT_TABLE_LIMIT));
    add(ValType::I32, ConstExpr::i32_const(0));
    add(ValType::I64, ConstExpr::i64_const(0));
    for m in &input.facts.memories {
        if m.defined {
            let initial = i32::try_from(m.initial).unwrap_or(i32::MAX);
            add(ValType::I32, ConstExpr::i32_const(initial));
        }
    }
    if unsafe_snapshot {
        let ty = GlobalType {
            val_type: ValType::I32,
            mutable: false,
            shared: false,
        };
        s.global(ty, &ConstExpr::i32_const(1));
    }
}

/// Exports the metering globals, every mutable global, every defined memory and the
/// start function.
fn add_exports(s: &mut ExportSection, f: &Facts, plan: &Plan, unsafe_snapshot: bool) {
    s.export(FUEL_GLOBAL, ExportKind::Global, plan.fuel);
    s.export(MEM_LIMIT_GLOBAL, ExportKind::Global, plan.mem_limit);
    s.export(TABLE_LIMIT_GLOBAL, ExportKind::Global, plan.table_limit);
    s.export(TRAP_GLOBAL, ExportKind::Global, plan.trap);
    s.export(MEM_WANT_GLOBAL, ExportKind::Global, plan.want);
    let pages = plan.pages.iter().flatten().copied();
    for (n, g) in f.mutable_globals.iter().copied().chain(pages).enumerate() {
        s.export(&format!("{GLOBAL_PREFIX}{n}"), ExportKind::Global, g);
    }
    let defined = plan.pages.iter().enumerate();
    let defined = defined.filter_map(|(m, p)| p.map(|p| (m as u32, p)));
    for (n, (memory, pages)) in defined.enumerate() {
        s.export(&format!("{MEMORY_PREFIX}{n}"), ExportKind::Memory, memory);
        s.export(&format!("{PAGES_PREFIX}{n}"), ExportKind::Global, pages);
    }
    if unsafe_snapshot {
        s.export(SNAPSHOT_UNSAFE, ExportKind::Global, plan.next_global);
    }
    if let Some(start) = f.start {
        s.export(START_EXPORT, ExportKind::Func, start);
    }
}

#[cfg(test)]
#[path = "meter_tests.rs"]
mod tests;
