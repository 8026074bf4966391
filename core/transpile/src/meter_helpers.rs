//! The functions the instrumentation calls, appended after the module's own functions
//! in the order `Plan::new` numbered them.

use wasm_encoder::{BlockType, CodeSection, Function, InstructionSink, ValType};

use super::{MAX_PAGES, Plan, TRAP_FUEL, TRAP_MEMORY};

/// Appends every helper's body to `code`.
pub(super) fn emit(plan: &Plan, code: &mut CodeSection) {
    for cause in [TRAP_FUEL, TRAP_MEMORY] {
        code.function(&trap(plan, cause));
    }
    code.function(&charge(plan));
    for (memory, pages) in plan.pages.iter().enumerate() {
        code.function(&grow(plan, memory as u32, *pages));
    }
    for table in 0..plan.table_check.len() {
        code.function(&table_check(plan, table as u32));
    }
}

/// `() -> ()`: records `cause` in `__gh_trap` and traps.
fn trap(plan: &Plan, cause: i32) -> Function {
    let mut f = Function::new([]);
    f.instructions()
        .i32_const(cause)
        .global_set(plan.trap)
        .unreachable()
        .end();
    f
}

/// `(units: i32) -> i32`: charges `units` fuel (unsigned), traps when it runs out,
/// returns `units` (the length operand of the bulk operator that follows).
fn charge(plan: &Plan) -> Function {
    let mut f = Function::new([]);
    f.instructions()
        .global_get(plan.fuel)
        .local_get(0)
        .i64_extend_i32_u()
        .i64_sub()
        .global_set(plan.fuel)
        .global_get(plan.fuel)
        .i64_const(0)
        .i64_lt_s()
        .if_(BlockType::Empty)
        .call(plan.out_of_fuel)
        .end()
        .local_get(0)
        .end();
    f
}

/// `(delta: i32) -> i32`, the `memory.grow` replacement: checks the limit, then grows
/// the virtual size (and the real memory only when needed).
fn grow(plan: &Plan, memory: u32, pages: Option<u32>) -> Function {
    const DELTA: u32 = 0;
    const OLD: u32 = 1;
    const NEW: u32 = 2;
    let mut f = Function::new([(1, ValType::I32), (1, ValType::I64)]);
    let mut b = f.instructions();
    match pages {
        Some(g) => b.global_get(g),
        None => b.memory_size(memory),
    };
    b.local_set(OLD)
        .local_get(OLD)
        .i64_extend_i32_u()
        .local_get(DELTA)
        .i64_extend_i32_u()
        .i64_add()
        .local_set(NEW);
    // Over the limit: trap like wasmtime's limiter (an `Err` from `memory_growing`).
    b.global_get(plan.mem_limit)
        .i32_const(0)
        .i32_ge_s()
        .local_get(NEW)
        .global_get(plan.mem_limit)
        .i64_extend_i32_u()
        .i64_gt_u()
        .i32_and()
        .if_(BlockType::Empty)
        .local_get(NEW)
        .global_set(plan.want)
        .call(plan.over_memory)
        .end();
    // Past what a 32-bit memory can address: fail the grow, as wasm does.
    b.local_get(NEW)
        .i64_const(MAX_PAGES)
        .i64_gt_u()
        .if_(BlockType::Empty)
        .i32_const(-1)
        .return_()
        .end();
    match pages {
        None => {
            b.local_get(DELTA).memory_grow(memory);
        }
        Some(g) => grow_virtual(&mut b, memory, g, NEW, OLD),
    }
    b.end();
    f
}

/// Grows the real memory by what the virtual size needs beyond it, then records the
/// new virtual size and leaves the old one as the result.
fn grow_virtual(b: &mut InstructionSink<'_>, memory: u32, pages: u32, new: u32, old: u32) {
    b.local_get(new)
        .memory_size(memory)
        .i64_extend_i32_u()
        .i64_gt_u()
        .if_(BlockType::Empty)
        .local_get(new)
        .i32_wrap_i64()
        .memory_size(memory)
        .i32_sub()
        .memory_grow(memory)
        .i32_const(-1)
        .i32_eq()
        .if_(BlockType::Empty)
        .i32_const(-1)
        .return_()
        .end()
        .end();
    b.local_get(new)
        .i32_wrap_i64()
        .global_set(pages)
        .local_get(old);
}

/// `(delta: i32) -> i32`: `delta`, or `-1` (a growth no table can take, so the
/// `table.grow` that follows fails and returns -1) when growing `table` by `delta` would
/// pass `__gh_table_limit`.
fn table_check(plan: &Plan, table: u32) -> Function {
    let mut f = Function::new([]);
    f.instructions()
        .global_get(plan.table_limit)
        .i32_const(0)
        .i32_ge_s()
        .table_size(table)
        .i64_extend_i32_u()
        .local_get(0)
        .i64_extend_i32_u()
        .i64_add()
        .global_get(plan.table_limit)
        .i64_extend_i32_u()
        .i64_gt_u()
        .i32_and()
        .if_(BlockType::Empty)
        .i32_const(-1)
        .return_()
        .end()
        .local_get(0)
        .end();
    f
}
