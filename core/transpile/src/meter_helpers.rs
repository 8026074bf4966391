//! The functions the instrumentation calls, appended after the module's own functions
//! in the order `Plan::new` numbered them.

use wasm_encoder::{BlockType, CodeSection, Function, InstructionSink, ValType};

use super::{IndexType, MAX_PAGES, MAX_PAGES64, Plan, TRAP_FUEL, TRAP_MEMORY};

/// What a 64-bit count (a length, a delta) is clamped to before it is charged or added
/// to a size: past any fuel budget a host sets (JS hosts cap it here) and any size a
/// memory or table can reach, and small enough that neither the sum nor the fuel left
/// after subtracting it wraps.
const CLAMP64: i64 = 1 << 62;

/// Appends every helper's body to `code`.
pub(super) fn emit(plan: &Plan, code: &mut CodeSection) {
    for cause in [TRAP_FUEL, TRAP_MEMORY] {
        code.function(&trap(plan, cause));
    }
    for &t in plan.index_types() {
        code.function(&charge(plan, t));
    }
    for (memory, pages) in plan.pages.iter().enumerate() {
        let t = plan.memory_types[memory];
        code.function(&grow(plan, memory as u32, *pages, t));
    }
    for (table, &t) in plan.table_types.iter().enumerate() {
        code.function(&table_check(plan, table as u32, t));
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

/// Pushes local `count` of index type `t` as an i64: zero-extended, or clamped to
/// [`CLAMP64`] (both unsigned).
fn count_as_i64(b: &mut InstructionSink<'_>, count: u32, t: IndexType) {
    match t {
        IndexType::I32 => {
            b.local_get(count).i64_extend_i32_u();
        }
        IndexType::I64 => {
            b.local_get(count)
                .i64_const(CLAMP64)
                .local_get(count)
                .i64_const(CLAMP64)
                .i64_lt_u()
                .select();
        }
    }
}

/// Widens the i32 or i64 `t` on top of the stack to i64 (unsigned).
fn widen(b: &mut InstructionSink<'_>, t: IndexType) {
    if t == IndexType::I32 {
        b.i64_extend_i32_u();
    }
}

/// Pushes `v` as a constant of type `t`.
fn constant(b: &mut InstructionSink<'_>, t: IndexType, v: i32) {
    match t {
        IndexType::I32 => b.i32_const(v),
        IndexType::I64 => b.i64_const(v.into()),
    };
}

/// `(units) -> units` for `units` of index type `t`: charges `units` fuel (unsigned),
/// traps when it runs out, returns `units` (the length operand of the bulk operator
/// that follows).
fn charge(plan: &Plan, t: IndexType) -> Function {
    let mut f = Function::new([]);
    let mut b = f.instructions();
    b.global_get(plan.fuel);
    count_as_i64(&mut b, 0, t);
    b.i64_sub()
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

/// `(delta) -> old` for a memory of index type `t`, the `memory.grow` replacement:
/// checks the limit, then grows the virtual size (and the real memory only when needed).
fn grow(plan: &Plan, memory: u32, pages: Option<u32>, t: IndexType) -> Function {
    const DELTA: u32 = 0;
    const OLD: u32 = 1;
    const NEW: u32 = 2;
    let mut f = Function::new([(1, t.val_type()), (1, ValType::I64)]);
    let mut b = f.instructions();
    match pages {
        Some(g) => {
            // The virtual page count is an i32 for every memory.
            b.global_get(g);
            if t == IndexType::I64 {
                b.i64_extend_i32_u();
            }
        }
        None => {
            b.memory_size(memory);
        }
    };
    b.local_set(OLD).local_get(OLD);
    widen(&mut b, t);
    count_as_i64(&mut b, DELTA, t);
    b.i64_add().local_set(NEW);
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
    // Past what the memory can address (or its virtual size hold): fail, as wasm does.
    let max = match t {
        IndexType::I32 => MAX_PAGES,
        IndexType::I64 => MAX_PAGES64,
    };
    b.local_get(NEW)
        .i64_const(max)
        .i64_gt_u()
        .if_(BlockType::Empty);
    constant(&mut b, t, -1);
    b.return_().end();
    match pages {
        None => {
            b.local_get(DELTA).memory_grow(memory);
        }
        Some(g) => grow_virtual(&mut b, memory, g, t, (NEW, OLD)),
    }
    b.end();
    f
}

/// Grows the real memory by what the virtual size needs beyond it, then records the
/// new virtual size and leaves the old one as the result.
fn grow_virtual(
    b: &mut InstructionSink<'_>,
    memory: u32,
    pages: u32,
    t: IndexType,
    (new, old): (u32, u32),
) {
    b.local_get(new).memory_size(memory);
    widen(b, t);
    b.i64_gt_u().if_(BlockType::Empty).local_get(new);
    match t {
        IndexType::I32 => {
            b.i32_wrap_i64().memory_size(memory).i32_sub();
        }
        IndexType::I64 => {
            b.memory_size(memory).i64_sub();
        }
    }
    b.memory_grow(memory);
    constant(b, t, -1);
    match t {
        IndexType::I32 => b.i32_eq(),
        IndexType::I64 => b.i64_eq(),
    };
    b.if_(BlockType::Empty);
    constant(b, t, -1);
    b.return_().end().end();
    b.local_get(new)
        .i32_wrap_i64()
        .global_set(pages)
        .local_get(old);
}

/// `(delta) -> delta` for a table of index type `t`: `delta`, or `-1` (a growth no
/// table can take, so the `table.grow` that follows fails and returns -1) when growing
/// `table` by `delta` would pass `__gh_table_limit`.
fn table_check(plan: &Plan, table: u32, t: IndexType) -> Function {
    let mut f = Function::new([]);
    let mut b = f.instructions();
    b.global_get(plan.table_limit)
        .i32_const(0)
        .i32_ge_s()
        .table_size(table);
    widen(&mut b, t);
    count_as_i64(&mut b, 0, t);
    b.i64_add()
        .global_get(plan.table_limit)
        .i64_extend_i32_u()
        .i64_gt_u()
        .i32_and()
        .if_(BlockType::Empty);
    constant(&mut b, t, -1);
    b.return_().end().local_get(0).end();
    f
}
