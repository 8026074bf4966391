//! Instruments a core wasm module so a JS host can enforce fuel and memory limits and
//! snapshot its state.
//!
//! A Worker or a browser cannot interrupt synchronous wasm, so the module polices itself:
//!
//! - `__gh_fuel` (mutable i64, exported): remaining fuel. Each straight-line stretch of
//!   code subtracts its operator count when it starts, approximating wasmtime's one unit
//!   per operator; function entries and loop headers also check it, and when it is below
//!   zero the module sets `__gh_trap = 1` and executes `unreachable`.
//! - `__gh_mem_limit` (mutable i32, exported): the most pages a memory may have, `-1`
//!   for no limit. Every `memory.grow` checks current + delta against it; past it the
//!   module sets `__gh_trap = 2` and traps, as wasmtime's memory limiter does.
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
//! A module that mutates tables or drops data segments at run time cannot be restored
//! from memory and globals alone; it gets an exported `__gh_snapshot_unsafe` global and
//! hosts must re-instantiate it instead.

use anyhow::{Context, Result, bail};
use walrus::ir::{BinaryOp, Instr, InstrSeqId, Value};
use walrus::{
    ConstExpr, ExportItem, FunctionBuilder, FunctionId, GlobalId, LocalFunction, MemoryId, Module,
    ModuleConfig, ValType,
};

/// Exported remaining fuel (i64).
pub const FUEL_GLOBAL: &str = "__gh_fuel";
/// Exported memory limit in pages (i32, -1 = unlimited).
pub const MEM_LIMIT_GLOBAL: &str = "__gh_mem_limit";
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

/// The largest page count of a 32-bit memory.
const MAX_PAGES: i64 = 65536;

/// Globals and helpers the instrumentation calls.
struct Meter {
    fuel: GlobalId,
    out_of_fuel: FunctionId,
    /// Per memory: its `memory.grow` replacement and, when defined here, its page-count
    /// global.
    grow: Vec<(MemoryId, FunctionId, Option<GlobalId>)>,
}

impl Meter {
    /// The `memory.grow` replacement and page-count global of `memory`.
    fn memory(&self, memory: MemoryId) -> (FunctionId, Option<GlobalId>) {
        let (_, f, pages) = self
            .grow
            .iter()
            .find(|(m, _, _)| *m == memory)
            .expect("every memory has a grow helper");
        (*f, *pages)
    }
}

/// Instruments `core_wasm` (see the module docs). The result behaves exactly like the
/// input until a host lowers `__gh_fuel` or sets `__gh_mem_limit`.
pub fn meter(core_wasm: &[u8]) -> Result<Vec<u8>> {
    let mut config = ModuleConfig::new();
    config.generate_producers_section(false);
    let mut module =
        Module::from_buffer_with_config(core_wasm, &config).context("not a valid core module")?;
    if module.exports.iter().any(|e| e.name.starts_with("__gh_")) {
        bail!("module is already instrumented (it exports `__gh_*` names)");
    }
    let unsafe_snapshot = mutates_tables_or_segments(&module);
    let local_funcs: Vec<FunctionId> = module.funcs.iter_local().map(|(id, _)| id).collect();

    let fuel = add_global(&mut module, ValType::I64, Value::I64(i64::MAX));
    let limit = add_global(&mut module, ValType::I32, Value::I32(-1));
    let trap = add_global(&mut module, ValType::I32, Value::I32(0));
    let want = add_global(&mut module, ValType::I64, Value::I64(0));
    let out_of_fuel = trap_fn(&mut module, trap, TRAP_FUEL);
    let mut grow = Vec::new();
    let memories: Vec<(MemoryId, bool, bool, u64)> = module
        .memories
        .iter()
        .map(|m| (m.id(), m.import.is_some(), m.memory64, m.initial))
        .collect();
    for (memory, imported, memory64, initial) in memories {
        if memory64 {
            bail!("64-bit memories are not supported");
        }
        let pages = (!imported).then(|| {
            let initial = i32::try_from(initial).unwrap_or(i32::MAX);
            add_global(&mut module, ValType::I32, Value::I32(initial))
        });
        let func = grow_fn(&mut module, memory, pages, [limit, trap, want]);
        grow.push((memory, func, pages));
    }
    let meter = Meter {
        fuel,
        out_of_fuel,
        grow,
    };
    for id in local_funcs {
        let walrus::FunctionKind::Local(func) = &mut module.funcs.get_mut(id).kind else {
            continue;
        };
        instrument(func, &meter);
    }
    let defined: Vec<(MemoryId, GlobalId)> = meter
        .grow
        .iter()
        .filter_map(|(m, _, pages)| pages.map(|p| (*m, p)))
        .collect();
    export_state(
        &mut module,
        [fuel, limit, trap, want],
        &defined,
        unsafe_snapshot,
    );
    Ok(module.emit_wasm())
}

fn add_global(module: &mut Module, ty: ValType, init: Value) -> GlobalId {
    module
        .globals
        .add_local(ty, true, false, ConstExpr::Value(init))
}

/// `() -> ()`: records `cause` in `__gh_trap` and traps.
fn trap_fn(module: &mut Module, trap: GlobalId, cause: i32) -> FunctionId {
    let mut b = FunctionBuilder::new(&mut module.types, &[], &[]);
    b.func_body()
        .i32_const(cause)
        .global_set(trap)
        .unreachable();
    b.finish(vec![], &mut module.funcs)
}

/// `(delta: i32) -> i32`, the `memory.grow` replacement: checks the limit, then grows
/// the virtual size (and the real memory only when needed).
fn grow_fn(
    module: &mut Module,
    memory: MemoryId,
    pages: Option<GlobalId>,
    [limit, trap, want]: [GlobalId; 3],
) -> FunctionId {
    let over_limit = trap_fn(module, trap, TRAP_MEMORY);
    let mut b = FunctionBuilder::new(&mut module.types, &[ValType::I32], &[ValType::I32]);
    let delta = module.locals.add(ValType::I32);
    let old = module.locals.add(ValType::I32);
    let new = module.locals.add(ValType::I64);
    let mut body = b.func_body();
    match pages {
        Some(g) => body.global_get(g),
        None => body.memory_size(memory),
    };
    body.local_set(old)
        .local_get(old)
        .unop(walrus::ir::UnaryOp::I64ExtendUI32)
        .local_get(delta)
        .unop(walrus::ir::UnaryOp::I64ExtendUI32)
        .binop(BinaryOp::I64Add)
        .local_set(new);
    // Over the limit: trap like wasmtime's limiter (an `Err` from `memory_growing`).
    body.global_get(limit)
        .i32_const(0)
        .binop(BinaryOp::I32GeS)
        .local_get(new)
        .global_get(limit)
        .unop(walrus::ir::UnaryOp::I64ExtendUI32)
        .binop(BinaryOp::I64GtU)
        .binop(BinaryOp::I32And)
        .if_else(
            None,
            |t| {
                t.local_get(new).global_set(want).call(over_limit);
            },
            |_| {},
        );
    // Past what a 32-bit memory can address: fail the grow, as wasm does.
    body.local_get(new)
        .i64_const(MAX_PAGES)
        .binop(BinaryOp::I64GtU)
        .if_else(
            None,
            |t| {
                t.i32_const(-1).return_();
            },
            |_| {},
        );
    match pages {
        None => {
            body.local_get(delta).memory_grow(memory);
        }
        Some(g) => {
            // Grow the real memory by what the virtual size needs beyond it.
            body.local_get(new)
                .memory_size(memory)
                .unop(walrus::ir::UnaryOp::I64ExtendUI32)
                .binop(BinaryOp::I64GtU)
                .if_else(
                    None,
                    |t| {
                        t.local_get(new)
                            .unop(walrus::ir::UnaryOp::I32WrapI64)
                            .memory_size(memory)
                            .binop(BinaryOp::I32Sub)
                            .memory_grow(memory)
                            .i32_const(-1)
                            .binop(BinaryOp::I32Eq)
                            .if_else(
                                None,
                                |f| {
                                    f.i32_const(-1).return_();
                                },
                                |_| {},
                            );
                    },
                    |_| {},
                );
            body.local_get(new)
                .unop(walrus::ir::UnaryOp::I32WrapI64)
                .global_set(g)
                .local_get(old);
        }
    }
    b.finish(vec![delta], &mut module.funcs)
}

/// Charges fuel at the entry and every loop header, and reroutes memory size/grow.
fn instrument(func: &mut LocalFunction, meter: &Meter) {
    let entry = func.entry_block();
    let mut seqs = Vec::new();
    collect_seqs(func, entry, &mut seqs);
    for &seq in &seqs {
        for (instr, _) in func.block_mut(seq).instrs.iter_mut() {
            match instr {
                Instr::MemoryGrow(g) => {
                    let (f, _) = meter.memory(g.memory);
                    *instr = Instr::Call(walrus::ir::Call { func: f });
                }
                Instr::MemorySize(s) => {
                    if let Some(pages) = meter.memory(s.memory).1 {
                        *instr = Instr::GlobalGet(walrus::ir::GlobalGet { global: pages });
                    }
                }
                _ => {}
            }
        }
    }
    let mut heads: Vec<InstrSeqId> = seqs
        .iter()
        .flat_map(|&s| func.block(s).instrs.iter())
        .filter_map(|(i, _)| match i {
            Instr::Loop(l) => Some(l.seq),
            _ => None,
        })
        .collect();
    heads.push(entry);
    for seq in seqs {
        let head = heads.contains(&seq);
        for (pos, cost) in segments(func, seq).into_iter().rev() {
            let check = head && pos == 0;
            if cost > 0 || check {
                charge(func, seq, pos, cost, check, meter);
            }
        }
    }
}

/// Every instruction sequence reachable from `seq`, `seq` first.
fn collect_seqs(func: &LocalFunction, seq: InstrSeqId, out: &mut Vec<InstrSeqId>) {
    out.push(seq);
    let children: Vec<InstrSeqId> = func
        .block(seq)
        .instrs
        .iter()
        .flat_map(|(i, _)| match i {
            Instr::Block(b) => vec![b.seq],
            Instr::Loop(l) => vec![l.seq],
            Instr::IfElse(e) => vec![e.consequent, e.alternative],
            _ => vec![],
        })
        .collect();
    for child in children {
        collect_seqs(func, child, out);
    }
}

/// wasmtime's fuel cost of one operator.
fn instr_cost(instr: &Instr) -> i64 {
    match instr {
        Instr::Block(_)
        | Instr::Loop(_)
        | Instr::Drop(_)
        | Instr::Return(_)
        | Instr::Unreachable(_) => 0,
        _ => 1,
    }
}

/// The straight-line stretches of `seq`: (start position, operators). A stretch ends
/// after any operator that nests code or may branch away.
fn segments(func: &LocalFunction, seq: InstrSeqId) -> Vec<(usize, i64)> {
    let mut out = Vec::new();
    let (mut start, mut cost) = (0, 0);
    for (i, (instr, _)) in func.block(seq).instrs.iter().enumerate() {
        cost += instr_cost(instr);
        let ends = matches!(
            instr,
            Instr::Block(_)
                | Instr::Loop(_)
                | Instr::IfElse(_)
                | Instr::Br(_)
                | Instr::BrIf(_)
                | Instr::BrTable(_)
                | Instr::Return(_)
                | Instr::Unreachable(_)
                | Instr::ReturnCall(_)
                | Instr::ReturnCallIndirect(_)
        );
        if ends {
            out.push((start, cost));
            (start, cost) = (i + 1, 0);
        }
    }
    out.push((start, cost));
    out
}

/// Inserts `fuel -= cost` at `pos` of `seq`, followed by `if fuel < 0 { out_of_fuel() }`
/// when `check` (function entries and loop headers, where wasmtime checks too: every
/// loop iteration and every call passes one, so a runaway guard is always caught).
fn charge(
    func: &mut LocalFunction,
    seq: InstrSeqId,
    pos: usize,
    cost: i64,
    check: bool,
    meter: &Meter,
) {
    let builder = func.builder_mut();
    let mut code = vec![
        global_get(meter.fuel),
        Instr::Const(walrus::ir::Const {
            value: Value::I64(cost),
        }),
        Instr::Binop(walrus::ir::Binop {
            op: BinaryOp::I64Sub,
        }),
        Instr::GlobalSet(walrus::ir::GlobalSet { global: meter.fuel }),
    ];
    if check {
        let then = {
            let mut t = builder.dangling_instr_seq(None);
            t.call(meter.out_of_fuel);
            t.id()
        };
        let otherwise = builder.dangling_instr_seq(None).id();
        code.extend([
            global_get(meter.fuel),
            Instr::Const(walrus::ir::Const {
                value: Value::I64(0),
            }),
            Instr::Binop(walrus::ir::Binop {
                op: BinaryOp::I64LtS,
            }),
            Instr::IfElse(walrus::ir::IfElse {
                consequent: then,
                alternative: otherwise,
            }),
        ]);
    }
    let mut at = builder.instr_seq(seq);
    for (k, instr) in code.into_iter().enumerate() {
        at.instr_at(pos + k, instr);
    }
}

fn global_get(global: GlobalId) -> Instr {
    Instr::GlobalGet(walrus::ir::GlobalGet { global })
}

/// Whether running code changes state a memory-and-globals snapshot cannot restore.
fn mutates_tables_or_segments(module: &Module) -> bool {
    module.funcs.iter_local().any(|(_, func)| {
        let mut seqs = Vec::new();
        collect_seqs(func, func.entry_block(), &mut seqs);
        seqs.iter().any(|&s| {
            func.block(s).instrs.iter().any(|(i, _)| {
                matches!(
                    i,
                    Instr::TableSet(_)
                        | Instr::TableGrow(_)
                        | Instr::TableFill(_)
                        | Instr::TableCopy(_)
                        | Instr::TableInit(_)
                        | Instr::ElemDrop(_)
                        | Instr::DataDrop(_)
                )
            })
        })
    })
}

/// Exports the metering globals, every mutable global and every defined memory.
fn export_state(
    module: &mut Module,
    own: [GlobalId; 4],
    defined: &[(MemoryId, GlobalId)],
    unsafe_snapshot: bool,
) {
    let [fuel, limit, trap, want] = own;
    module.exports.add(FUEL_GLOBAL, fuel);
    module.exports.add(MEM_LIMIT_GLOBAL, limit);
    module.exports.add(TRAP_GLOBAL, trap);
    module.exports.add(MEM_WANT_GLOBAL, want);
    let mutable: Vec<GlobalId> = module
        .globals
        .iter()
        .filter(|g| g.mutable && !own.contains(&g.id()))
        .filter(|g| matches!(g.kind, walrus::GlobalKind::Local(_)))
        .map(|g| g.id())
        .collect();
    for (n, g) in mutable.into_iter().enumerate() {
        module.exports.add(&format!("{GLOBAL_PREFIX}{n}"), g);
    }
    for (n, (memory, pages)) in defined.iter().enumerate() {
        module
            .exports
            .add(&format!("{MEMORY_PREFIX}{n}"), ExportItem::Memory(*memory));
        module.exports.add(&format!("{PAGES_PREFIX}{n}"), *pages);
    }
    if unsafe_snapshot {
        let g =
            module
                .globals
                .add_local(ValType::I32, false, false, ConstExpr::Value(Value::I32(1)));
        module.exports.add(SNAPSHOT_UNSAFE, g);
    }
}

#[cfg(test)]
#[path = "meter_tests.rs"]
mod tests;
