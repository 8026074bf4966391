//! Rewrites one function body: fuel charges per straight-line stretch, virtual
//! `memory.size`/`memory.grow`, per-unit charges for bulk operators, `table.grow`
//! limits. Operators are copied byte for byte; only the rewritten ones are re-encoded.

use anyhow::Result;
use wasm_encoder::{BlockType, InstructionSink};
use wasmparser::{FunctionBody, Operator};

use super::{IndexType, Plan};

/// Buffers reused across functions, so the pass allocates per module, not per body.
#[derive(Default)]
pub(super) struct Scratch {
    /// The rewritten body (locals and operators), ready for the code section.
    pub out: Vec<u8>,
    /// The current stretch's operators, written out once its cost is known.
    stretch: Vec<u8>,
}

/// What rewriting found.
pub(super) struct Rewritten {
    /// The body changes state a memory-and-globals snapshot cannot restore.
    pub mutates_tables_or_segments: bool,
}

/// A straight-line stretch being collected: its fuel cost, and whether it starts at a
/// function entry or loop header (where the fuel is also checked).
struct Stretch {
    cost: i64,
    check: bool,
}

/// Rewrites `body` into `scratch.out`.
pub(super) fn rewrite(
    body: &FunctionBody,
    plan: &Plan,
    scratch: &mut Scratch,
) -> Result<Rewritten> {
    let bytes = body.as_bytes();
    let base = body.range().start;
    let mut reader = body.get_operators_reader()?;
    scratch.out.clear();
    scratch.stretch.clear();
    scratch
        .out
        .extend_from_slice(&bytes[..reader.original_position() - base]);
    let mut mutates = false;
    let mut stretch = Stretch {
        cost: 0,
        check: true,
    };
    while !reader.eof() {
        let start = reader.original_position() - base;
        let op = reader.read()?;
        let raw = &bytes[start..reader.original_position() - base];
        stretch.cost += cost(&op);
        mutates |= matches!(
            op,
            Operator::TableSet { .. }
                | Operator::TableGrow { .. }
                | Operator::TableFill { .. }
                | Operator::TableCopy { .. }
                | Operator::TableInit { .. }
                | Operator::ElemDrop { .. }
                | Operator::DataDrop { .. }
        );
        let mut sink = InstructionSink::new(&mut scratch.stretch);
        match op {
            Operator::MemoryGrow { mem } => {
                sink.call(*index(&plan.grow, mem)?);
            }
            Operator::MemorySize { mem } => match index(&plan.pages, mem)? {
                Some(pages) => {
                    sink.global_get(*pages);
                    // The page count is an i32 global whatever the memory's index type.
                    if *index(&plan.memory_types, mem)? == IndexType::I64 {
                        sink.i64_extend_i32_u();
                    }
                }
                None => scratch.stretch.extend_from_slice(raw),
            },
            Operator::TableGrow { table } => {
                let t = *index(&plan.table_types, table)?;
                sink.call(plan.charge(t))
                    .call(*index(&plan.table_check, table)?);
                scratch.stretch.extend_from_slice(raw);
            }
            _ => {
                if let Some(t) = length_type(&op, plan)? {
                    // The length is on top of the stack: charge it before the operator runs.
                    sink.call(plan.charge(t));
                }
                scratch.stretch.extend_from_slice(raw);
            }
        }
        if let Some(next_checks) = ends_stretch(&op) {
            flush(&mut stretch, plan, scratch);
            stretch.check = next_checks;
        }
    }
    flush(&mut stretch, plan, scratch);
    reader.finish()?;
    Ok(Rewritten {
        mutates_tables_or_segments: mutates,
    })
}

/// The type of a bulk operator's length operand (its last), or `None` for operators
/// that are not charged by length. Following the spec, a copy's length is i64 only
/// between two 64-bit memories or tables, and an `init`'s is always i32 (a segment's).
fn length_type(op: &Operator, plan: &Plan) -> Result<Option<IndexType>> {
    let memory = |m| index(&plan.memory_types, m).copied();
    let table = |t| index(&plan.table_types, t).copied();
    Ok(Some(match *op {
        Operator::MemoryFill { mem } => memory(mem)?,
        Operator::MemoryCopy { dst_mem, src_mem } => memory(dst_mem)?.min(memory(src_mem)?),
        Operator::TableFill { table: t } => table(t)?,
        Operator::TableCopy {
            dst_table,
            src_table,
        } => table(dst_table)?.min(table(src_table)?),
        Operator::MemoryInit { .. } | Operator::TableInit { .. } => IndexType::I32,
        _ => return Ok(None),
    }))
}

fn index<T>(items: &[T], i: u32) -> Result<&T> {
    items
        .get(i as usize)
        .ok_or_else(|| anyhow::anyhow!("index {i} out of range"))
}

/// Writes the stretch's charge, then its operators, and starts the next stretch.
fn flush(stretch: &mut Stretch, plan: &Plan, scratch: &mut Scratch) {
    let mut sink = InstructionSink::new(&mut scratch.out);
    if stretch.cost > 0 {
        sink.global_get(plan.fuel)
            .i64_const(stretch.cost)
            .i64_sub()
            .global_set(plan.fuel);
    }
    // Function entries and loop headers check, as wasmtime does: every loop iteration
    // and every call passes one, so a runaway guard is always caught.
    if stretch.check {
        sink.global_get(plan.fuel)
            .i64_const(0)
            .i64_lt_s()
            .if_(BlockType::Empty)
            .call(plan.out_of_fuel)
            .end();
    }
    scratch.out.append(&mut scratch.stretch);
    *stretch = Stretch {
        cost: 0,
        check: false,
    };
}

/// wasmtime 48's fuel cost of one operator (`default_operator_cost`).
fn cost(op: &Operator) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// Whether `op` ends a straight-line stretch (it nests or ends code, or may branch
/// away), and if so whether the next stretch is a loop header.
fn ends_stretch(op: &Operator) -> Option<bool> {
    match op {
        Operator::Loop { .. } => Some(true),
        Operator::Block { .. }
        | Operator::If { .. }
        | Operator::Else
        | Operator::End
        | Operator::Br { .. }
        | Operator::BrIf { .. }
        | Operator::BrTable { .. }
        | Operator::Return
        | Operator::Unreachable
        | Operator::ReturnCall { .. }
        | Operator::ReturnCallIndirect { .. }
        | Operator::ReturnCallRef { .. }
        | Operator::BrOnNull { .. }
        | Operator::BrOnNonNull { .. }
        | Operator::BrOnCast { .. }
        | Operator::BrOnCastFail { .. }
        | Operator::TryTable { .. }
        | Operator::Throw { .. }
        | Operator::ThrowRef
        | Operator::Try { .. }
        | Operator::Catch { .. }
        | Operator::CatchAll
        | Operator::Delegate { .. }
        | Operator::Rethrow { .. } => Some(false),
        _ => None,
    }
}
