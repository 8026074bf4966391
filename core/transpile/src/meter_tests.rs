use wasmtime::{Config, Engine, Instance, Module as WModule, Store, Val};

use super::*;

const SAMPLE: &str = r#"(module
  (memory (export "memory") 1 4)
  (global $counter (mut i32) (i32.const 7))
  (func (export "spin") (loop (br 0)))
  (func (export "count") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 16) (local.get $acc))
    (local.get $acc))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "counter") (result i32) (global.get $counter)))"#;

struct Run {
    store: Store<()>,
    instance: Instance,
}

impl Run {
    fn new(wasm: &[u8], fuel: bool) -> Self {
        let mut config = Config::new();
        config.consume_fuel(fuel);
        let engine = Engine::new(&config).unwrap();
        let module = WModule::new(&engine, wasm).unwrap();
        let mut store = Store::new(&engine, ());
        if fuel {
            store.set_fuel(u64::MAX / 2).unwrap();
        }
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let mut run = Self { store, instance };
        // What instantiation ran before metering moved it (see the module docs).
        if run
            .instance
            .get_func(&mut run.store, START_EXPORT)
            .is_some()
        {
            run.call(START_EXPORT, &[]).unwrap();
        }
        run
    }

    fn call(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<Vec<Val>> {
        let f = self.instance.get_func(&mut self.store, name).unwrap();
        let mut results = vec![Val::I32(0); f.ty(&self.store).results().len()];
        f.call(&mut self.store, args, &mut results)?;
        Ok(results)
    }

    fn i32(&mut self, name: &str, args: &[Val]) -> i32 {
        self.call(name, args).unwrap()[0].unwrap_i32()
    }

    fn i64(&mut self, name: &str, args: &[Val]) -> i64 {
        self.call(name, args).unwrap()[0].unwrap_i64()
    }

    fn global(&mut self, name: &str) -> Val {
        let g = self.instance.get_global(&mut self.store, name).unwrap();
        g.get(&mut self.store)
    }

    fn set(&mut self, name: &str, v: Val) {
        let g = self.instance.get_global(&mut self.store, name).unwrap();
        g.set(&mut self.store, v).unwrap();
    }
}

fn metered() -> Vec<u8> {
    meter(&wat::parse_str(SAMPLE).unwrap()).unwrap()
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let mut run = Run::new(&metered(), false);
    run.set(FUEL_GLOBAL, Val::I64(10_000));
    let err = run.call("spin", &[]).unwrap_err();
    assert!(format!("{err:?}").contains("unreachable"), "{err:?}");
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_FUEL);
    assert!(run.global(FUEL_GLOBAL).unwrap_i64() < 0);
}

#[test]
fn fuel_approximates_wasmtime() {
    let n = 10_000;
    let mut native = Run::new(&wat::parse_str(SAMPLE).unwrap(), true);
    let before = native.store.get_fuel().unwrap();
    native.i32("count", &[Val::I32(n)]);
    let native_used = (before - native.store.get_fuel().unwrap()) as f64;
    let mut run = Run::new(&metered(), false);
    run.set(FUEL_GLOBAL, Val::I64(1 << 40));
    run.i32("count", &[Val::I32(n)]);
    let used = ((1i64 << 40) - run.global(FUEL_GLOBAL).unwrap_i64()) as f64;
    let ratio = used / native_used;
    assert!(
        (0.8..1.5).contains(&ratio),
        "metered {used} vs wasmtime {native_used}"
    );
}

#[test]
fn growing_past_the_limit_traps() {
    let mut run = Run::new(&metered(), false);
    run.set(MEM_LIMIT_GLOBAL, Val::I32(2));
    assert_eq!(run.i32("grow", &[Val::I32(1)]), 1);
    assert_eq!(run.i32("size", &[]), 2);
    assert!(run.call("grow", &[Val::I32(1)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_MEMORY);
    assert_eq!(run.global(MEM_WANT_GLOBAL).unwrap_i64(), 3);
}

#[test]
fn unmetered_behaviour_is_unchanged() {
    let original = wat::parse_str(SAMPLE).unwrap();
    for wasm in [original.clone(), meter(&original).unwrap()] {
        let mut run = Run::new(&wasm, false);
        assert_eq!(run.i32("count", &[Val::I32(100)]), 5050);
        assert_eq!(run.i32("load", &[Val::I32(16)]), 5050);
        assert_eq!(run.i32("counter", &[]), 8);
        assert_eq!(run.i32("grow", &[Val::I32(2)]), 1);
        assert_eq!(run.i32("size", &[]), 3);
        // Past the declared maximum: -1, not a trap.
        assert_eq!(run.i32("grow", &[Val::I32(5)]), -1);
        assert_eq!(run.i32("size", &[]), 3);
    }
}

#[test]
fn state_is_exported_and_memory_is_virtual() {
    let mut run = Run::new(&metered(), false);
    assert_eq!(run.global("__gh_g0").unwrap_i32(), 7);
    assert_eq!(run.global("__gh_pages0").unwrap_i32(), 1);
    assert_eq!(run.i32("grow", &[Val::I32(2)]), 1);
    // A host restoring a snapshot puts the page count back: the guest sees one page
    // again, and growing reuses the real pages already there.
    run.set("__gh_pages0", Val::I32(1));
    assert_eq!(run.i32("size", &[]), 1);
    assert_eq!(run.i32("grow", &[Val::I32(1)]), 1);
    let mem = run
        .instance
        .get_memory(&mut run.store, "__gh_mem0")
        .unwrap();
    assert_eq!(mem.size(&run.store), 3);
    assert!(
        run.instance
            .get_export(&mut run.store, SNAPSHOT_UNSAFE)
            .is_none()
    );
}

#[test]
fn table_mutation_marks_the_snapshot_unsafe() {
    let wasm = wat::parse_str(
        r#"(module (table 1 funcref) (func (export "f") (table.set (i32.const 0) (ref.null func))))"#,
    )
    .unwrap();
    let mut run = Run::new(&meter(&wasm).unwrap(), false);
    assert!(
        run.instance
            .get_export(&mut run.store, SNAPSHOT_UNSAFE)
            .is_some()
    );
}

#[test]
fn bad_input_is_an_error() {
    assert!(meter(b"not wasm").is_err());
    let twice = meter(&metered()).unwrap_err().to_string();
    assert!(twice.contains("already instrumented"), "{twice}");
}

/// What a call gave, comparable across the original and the metered module.
fn outcome(result: wasmtime::Result<Vec<Val>>) -> String {
    match result {
        Ok(values) => values.iter().map(show).collect::<Vec<_>>().join(","),
        Err(_) => "trap".to_string(),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::FuncRef(r) => format!("funcref({})", r.is_some()),
        Val::ExternRef(r) => format!("externref({})", r.is_some()),
        Val::AnyRef(r) => format!("anyref({})", r.is_some()),
        Val::ExnRef(r) => format!("exnref({})", r.is_some()),
        Val::ContRef(r) => format!("contref({})", r.is_some()),
        other => format!("{other:?}"),
    }
}

/// Meters `wat`, checks the result validates with wasmparser's default features, and
/// that every call gives the same outcome on the original and the metered module.
fn same_behaviour(wat: &str, calls: &[(&str, &[Val])]) -> Vec<u8> {
    let original = wat::parse_str(wat).unwrap();
    let metered = meter(&original).unwrap();
    wasmparser::Validator::new()
        .validate_all(&metered)
        .expect("metered module validates");
    let mut before = Run::new(&original, false);
    let mut after = Run::new(&metered, false);
    for (name, args) in calls {
        let want = outcome(before.call(name, args));
        assert_eq!(outcome(after.call(name, args)), want, "{name}");
    }
    metered
}

#[test]
fn extended_const_initializers() {
    same_behaviour(
        r#"(module
          (global $g i32 (i32.add (i32.const 1) (i32.const 2)))
          (global $h (mut i64) (i64.mul (i64.const 6) (i64.sub (i64.const 9) (i64.const 2))))
          (memory 1)
          (data (i32.add (i32.const 16) (i32.const 4)) "\2a")
          (table 4 funcref)
          (elem (i32.add (i32.const 1) (i32.const 1)) func $f)
          (func $f (result i32) (i32.const 99))
          (func (export "g") (result i32) (global.get $g))
          (func (export "h") (result i64) (global.get $h))
          (func (export "data") (result i32) (i32.load8_u (i32.const 20)))
          (func (export "elem") (result i32) (call_indirect (result i32) (i32.const 2))))"#,
        &[("g", &[]), ("h", &[]), ("data", &[]), ("elem", &[])],
    );
}

#[test]
fn simd_and_numeric_extensions() {
    same_behaviour(
        r#"(module
          (func (export "simd") (param i32) (result i32)
            (i32x4.extract_lane 2
              (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4))))
          (func (export "relaxed") (result i32)
            (i32x4.extract_lane 0
              (i32x4.relaxed_laneselect (v128.const i32x4 1 1 1 1) (v128.const i32x4 2 2 2 2)
                (v128.const i32x4 -1 -1 -1 -1))))
          (func (export "v128") (result v128)
            (f32x4.mul (v128.const f32x4 1.5 2 3 4) (v128.const f32x4 2 2 2 2)))
          (func (export "sat") (result i32) (i32.trunc_sat_f32_s (f32.const 1e20)))
          (func (export "sext") (result i32) (i32.extend8_s (i32.const 0xff))))"#,
        &[
            ("simd", &[Val::I32(5)]),
            ("relaxed", &[]),
            ("v128", &[]),
            ("sat", &[]),
            ("sext", &[]),
        ],
    );
}

#[test]
fn multi_value_blocks_and_functions() {
    same_behaviour(
        r#"(module
          (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
          (func (export "pair") (result i32 i32) (call $swap (i32.const 1) (i32.const 2)))
          (func (export "blocks") (param i32) (result i32)
            (i32.const 10) (i32.const 3)
            (block (param i32 i32) (result i32) (i32.sub))
            (i32.const 5)
            (loop (param i32 i32) (result i32) (i32.mul))
            (local.get 0)
            (if (param i32) (result i32) (then (i32.const 1) (i32.add)) (else (i32.const 2) (i32.sub)))))"#,
        &[
            ("pair", &[]),
            ("blocks", &[Val::I32(0)]),
            ("blocks", &[Val::I32(1)]),
        ],
    );
}

const TAIL_CALLS: &str = r#"(module
  (type $down (func (param i32) (result i32)))
  (table funcref (elem $count))
  (func $fact (export "fact") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else (return_call $fact (i64.sub (local.get 0) (i64.const 1))
                               (i64.mul (local.get 0) (local.get 1))))))
  (func $count (export "count") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 42))
      (else (return_call_indirect (type $down) (i32.sub (local.get 0) (i32.const 1))
                                                (i32.const 0)))))
  (func $forever (export "forever") (return_call $forever)))"#;

#[test]
fn tail_calls_keep_their_semantics_and_pay_fuel() {
    // A million frames deep: only real tail calls survive it.
    let metered = same_behaviour(
        TAIL_CALLS,
        &[
            ("fact", &[Val::I64(10), Val::I64(1)]),
            ("count", &[Val::I32(1_000_000)]),
        ],
    );
    let mut run = Run::new(&metered, false);
    run.set(FUEL_GLOBAL, Val::I64(10_000));
    assert!(run.call("forever", &[]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_FUEL);
}

const BULK_MEMORY: &str = r#"(module
  (memory 1)
  (data $d "hello")
  (func (export "bulk") (result i32)
    (memory.fill (i32.const 100) (i32.const 7) (i32.const 50))
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 50))
    (memory.init $d (i32.const 300) (i32.const 1) (i32.const 3))
    (i32.add (i32.load8_u (i32.const 249)) (i32.load8_u (i32.const 302))))
  (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 1) (local.get 0)))
  (func (export "oob") (memory.fill (i32.const 65530) (i32.const 0) (i32.const 100)))
  (func (export "drop") (data.drop $d)))"#;

#[test]
fn bulk_memory_operators() {
    same_behaviour(
        BULK_MEMORY,
        &[
            ("bulk", &[]),
            ("oob", &[]),
            ("fill", &[Val::I32(65536)]),
            ("drop", &[]),
            ("bulk", &[]),
        ],
    );
}

#[test]
fn bulk_operators_cost_their_length() {
    let metered = meter(&wat::parse_str(BULK_MEMORY).unwrap()).unwrap();
    let mut run = Run::new(&metered, false);
    run.set(FUEL_GLOBAL, Val::I64(1 << 40));
    run.call("fill", &[Val::I32(60_000)]).unwrap();
    let used = (1i64 << 40) - run.global(FUEL_GLOBAL).unwrap_i64();
    assert!((60_000..60_100).contains(&used), "{used}");
    // Charged before the fill runs: the memory stays untouched.
    run.set(FUEL_GLOBAL, Val::I64(1_000));
    assert!(run.call("fill", &[Val::I32(2_000)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_FUEL);
}

// funcref only: this wasmtime build has no `gc` feature, which externref needs.
const TABLES: &str = r#"(module
  (type $r (func (result i32)))
  (table $t 2 10 funcref)
  (table $e 1 funcref)
  (elem $seg func $a $b)
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (func (export "tables") (result i32)
    (table.init $t $seg (i32.const 0) (i32.const 0) (i32.const 2))
    (drop (table.grow $t (ref.func $a) (i32.const 3)))
    (table.fill $t (i32.const 2) (ref.func $b) (i32.const 3))
    (table.copy $t $t (i32.const 0) (i32.const 3) (i32.const 1))
    (elem.drop $seg)
    (i32.add (call_indirect $t (type $r) (i32.const 0))
             (i32.mul (table.size $t) (i32.const 10))))
  (func (export "grow") (param i32) (result i32)
    (table.grow $e (ref.null func) (local.get 0)))
  (func (export "null") (result i32) (ref.is_null (table.get $e (i32.const 0)))))"#;

#[test]
fn reference_types_and_table_operators() {
    same_behaviour(
        TABLES,
        &[
            ("tables", &[]),
            ("tables", &[]),
            ("null", &[]),
            ("grow", &[Val::I32(5)]),
        ],
    );
}

#[test]
fn growing_a_table_past_the_limit_fails_as_natively() {
    let metered = meter(&wat::parse_str(TABLES).unwrap()).unwrap();
    let mut run = Run::new(&metered, false);
    assert_eq!(
        run.global(TABLE_LIMIT_GLOBAL).unwrap_i32(),
        DEFAULT_TABLE_LIMIT
    );
    assert_eq!(run.i32("grow", &[Val::I32(1000)]), 1);
    assert_eq!(run.i32("grow", &[Val::I32(DEFAULT_TABLE_LIMIT)]), -1);
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), 0);
    let mut run = Run::new(&metered, false);
    run.set(TABLE_LIMIT_GLOBAL, Val::I32(4));
    assert_eq!(run.i32("grow", &[Val::I32(3)]), 1);
    assert_eq!(run.i32("grow", &[Val::I32(1)]), -1);
    assert_eq!(
        run.i32("grow", &[Val::I32(0)]),
        4,
        "the table kept its size"
    );
}

const TWO_MEMORIES: &str = r#"(module
  (memory $m0 1)
  (memory $m1 1 3)
  (func (export "mm") (result i32)
    (i32.store $m1 (i32.const 8) (i32.const 77))
    (memory.copy $m0 $m1 (i32.const 0) (i32.const 8) (i32.const 4))
    (i32.add (i32.load $m0 (i32.const 0)) (i32.mul (memory.size $m1) (i32.const 1000))))
  (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
  (func (export "size0") (result i32) (memory.size $m0)))"#;

#[test]
fn multi_memory_is_virtualized_per_memory() {
    let metered = same_behaviour(
        TWO_MEMORIES,
        &[
            ("mm", &[]),
            ("grow1", &[Val::I32(1)]),
            ("mm", &[]),
            ("grow1", &[Val::I32(5)]),
            ("size0", &[]),
        ],
    );
    let mut run = Run::new(&metered, false);
    assert_eq!(run.global("__gh_pages1").unwrap_i32(), 1);
    assert!(
        run.instance
            .get_memory(&mut run.store, "__gh_mem1")
            .is_some()
    );
    run.set(MEM_LIMIT_GLOBAL, Val::I32(2));
    assert_eq!(run.i32("grow1", &[Val::I32(1)]), 1);
    assert!(run.call("grow1", &[Val::I32(1)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_MEMORY);
    assert_eq!(run.global(MEM_WANT_GLOBAL).unwrap_i64(), 3);
}

const START: &str = r#"(module
  (global $g (mut i32) (i32.const 0))
  (func $init (global.set $g (i32.const 5)) (loop (br_if 0 (i32.eqz (global.get $g)))))
  (start $init)
  (func (export "g") (result i32) (global.get $g)))"#;

#[test]
fn the_start_function_waits_for_the_host() {
    let metered = same_behaviour(START, &[("g", &[])]);
    let engine = Engine::default();
    let module = WModule::new(&engine, &metered).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mut run = Run { store, instance };
    assert_eq!(run.i32("g", &[]), 0);
    // Armed before it runs: a start function gets the guard's budget, not unlimited.
    run.set(FUEL_GLOBAL, Val::I64(1));
    assert!(run.call(START_EXPORT, &[]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_FUEL);
}

#[test]
fn exceptions_pass_through() {
    let wat = r#"(module
      (tag $e (param i32))
      (func $throw (param i32) (throw $e (local.get 0)))
      (func (export "catch") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $throw (local.get 0)))
          (i32.const -1))))"#;
    let metered = meter(&wat::parse_str(wat).unwrap()).unwrap();
    wasmparser::Validator::new()
        .validate_all(&metered)
        .expect("metered module validates");
    // Runs only where this wasmtime build has exceptions on (they need its `gc` feature).
    if WModule::new(&Engine::default(), &metered).is_ok() {
        same_behaviour(wat, &[("catch", &[Val::I32(7)])]);
    }
}

// 64-bit memories and tables (memory64): the same instrumentation with i64 operands.

const SAMPLE64: &str = r#"(module
  (memory (export "memory") i64 1 4)
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load") (param i64) (result i32) (i32.load (local.get 0))))"#;

fn metered64() -> Vec<u8> {
    meter(&wat::parse_str(SAMPLE64).unwrap()).unwrap()
}

#[test]
fn growing_a_64_bit_memory_past_the_limit_traps() {
    let mut run = Run::new(&metered64(), false);
    run.set(MEM_LIMIT_GLOBAL, Val::I32(2));
    assert_eq!(run.i64("grow", &[Val::I64(1)]), 1);
    assert_eq!(run.i64("size", &[]), 2);
    assert!(run.call("grow", &[Val::I64(1)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_MEMORY);
    assert_eq!(run.global(MEM_WANT_GLOBAL).unwrap_i64(), 3);
    // A delta no memory can take is over any limit too, as for wasmtime's limiter.
    let mut run = Run::new(&metered64(), false);
    run.set(MEM_LIMIT_GLOBAL, Val::I32(2));
    assert!(run.call("grow", &[Val::I64(-1)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_MEMORY);
    assert_eq!(run.i64("size", &[]), 1);
}

#[test]
fn unmetered_behaviour_is_unchanged_on_a_64_bit_memory() {
    let original = wat::parse_str(SAMPLE64).unwrap();
    for wasm in [original.clone(), meter(&original).unwrap()] {
        let mut run = Run::new(&wasm, false);
        assert_eq!(run.i64("grow", &[Val::I64(2)]), 1);
        assert_eq!(run.i64("size", &[]), 3);
        run.call("store", &[Val::I64(3 * 65536 - 4), Val::I32(42)])
            .unwrap();
        assert_eq!(run.i32("load", &[Val::I64(3 * 65536 - 4)]), 42);
        assert!(run.call("load", &[Val::I64(3 * 65536)]).is_err());
        // Past the declared maximum, or past anything 64 bits can count: -1, no trap.
        for delta in [5, 1 << 40, i64::MAX, -1] {
            assert_eq!(run.i64("grow", &[Val::I64(delta)]), -1, "{delta}");
        }
        assert_eq!(run.i64("size", &[]), 3);
    }
}

#[test]
fn a_64_bit_memory_is_virtual() {
    let mut run = Run::new(&metered64(), false);
    // The page count stays an i32 global, as for every memory.
    assert_eq!(run.global("__gh_pages0").unwrap_i32(), 1);
    assert_eq!(run.global("__gh_g0").unwrap_i32(), 1);
    assert_eq!(run.i64("grow", &[Val::I64(2)]), 1);
    run.set("__gh_pages0", Val::I32(1));
    assert_eq!(run.i64("size", &[]), 1);
    assert_eq!(run.i64("grow", &[Val::I64(1)]), 1);
    let mem = run
        .instance
        .get_memory(&mut run.store, "__gh_mem0")
        .unwrap();
    assert!(mem.ty(&run.store).is_64());
    assert_eq!(mem.size(&run.store), 3);
}

// Memory 0 is 32-bit and memory 1 64-bit: copies between them take an i64 for the
// 64-bit side's address and an i32 length (the smaller index type).
const BULK_MEMORY64: &str = r#"(module
  (memory $m 1)
  (memory $w i64 1)
  (data $d "hello")
  (func (export "bulk") (result i32)
    (memory.fill $w (i64.const 100) (i32.const 7) (i64.const 50))
    (memory.copy $w $w (i64.const 200) (i64.const 100) (i64.const 50))
    (memory.init $w $d (i64.const 300) (i32.const 1) (i32.const 3))
    (memory.copy $w $m (i64.const 400) (i32.const 0) (i32.const 8))
    (memory.copy $m $w (i32.const 16) (i64.const 200) (i32.const 4))
    (i32.add (i32.load8_u $w (i64.const 249))
      (i32.add (i32.load8_u $w (i64.const 302)) (i32.load8_u $m (i32.const 16)))))
  (func (export "fill") (param i64) (memory.fill $w (i64.const 0) (i32.const 1) (local.get 0)))
  (func (export "copy_in") (param i32) (memory.copy $w $m (i64.const 0) (i32.const 0) (local.get 0)))
  (func (export "oob") (memory.fill $w (i64.const 65530) (i32.const 0) (i64.const 100)))
  (func (export "drop") (data.drop $d)))"#;

#[test]
fn bulk_memory_operators_on_64_bit_memories() {
    same_behaviour(
        BULK_MEMORY64,
        &[
            ("bulk", &[]),
            ("oob", &[]),
            ("fill", &[Val::I64(65536)]),
            ("fill", &[Val::I64(-1)]),
            ("copy_in", &[Val::I32(65536)]),
            ("drop", &[]),
            ("bulk", &[]),
        ],
    );
}

#[test]
fn bulk_operators_on_64_bit_memories_cost_their_length() {
    let metered = meter(&wat::parse_str(BULK_MEMORY64).unwrap()).unwrap();
    let mut run = Run::new(&metered, false);
    let used = |run: &mut Run, call: &str, arg: Val| {
        run.set(FUEL_GLOBAL, Val::I64(1 << 40));
        run.call(call, &[arg]).unwrap();
        (1i64 << 40) - run.global(FUEL_GLOBAL).unwrap_i64()
    };
    let fill = used(&mut run, "fill", Val::I64(60_000));
    assert!((60_000..60_100).contains(&fill), "{fill}");
    let copy = used(&mut run, "copy_in", Val::I32(30_000));
    assert!((30_000..30_100).contains(&copy), "{copy}");
    run.set(FUEL_GLOBAL, Val::I64(1_000));
    assert!(run.call("fill", &[Val::I64(2_000)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_FUEL);
    // The largest length is charged (clamped), not wrapped into a refund.
    let mut run = Run::new(&metered, false);
    run.set(FUEL_GLOBAL, Val::I64(1 << 40));
    assert!(run.call("fill", &[Val::I64(-1)]).is_err());
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), TRAP_FUEL);
}

// Tables $t and $e are 64-bit, $n 32-bit for the mixed copies.
const TABLES64: &str = r#"(module
  (type $r (func (result i32)))
  (table $t i64 2 10 funcref)
  (table $e i64 1 funcref)
  (table $n 4 funcref)
  (elem $seg func $a $b)
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (func (export "tables") (result i32)
    (table.init $t $seg (i64.const 0) (i32.const 0) (i32.const 2))
    (drop (table.grow $t (ref.func $a) (i64.const 3)))
    (table.fill $t (i64.const 2) (ref.func $b) (i64.const 3))
    (table.copy $t $t (i64.const 0) (i64.const 3) (i64.const 1))
    (table.copy $n $t (i32.const 1) (i64.const 0) (i32.const 2))
    (table.copy $t $n (i64.const 4) (i32.const 0) (i32.const 1))
    (elem.drop $seg)
    (i32.add (call_indirect $t (type $r) (i64.const 0))
      (i32.add (i32.mul (call_indirect $n (type $r) (i32.const 2)) (i32.const 100))
               (i32.wrap_i64 (i64.mul (table.size $t) (i64.const 10))))))
  (func (export "grow") (param i64) (result i64)
    (table.grow $e (ref.null func) (local.get 0)))
  (func (export "fill") (param i64) (table.fill $e (i64.const 0) (ref.null func) (local.get 0)))
  (func (export "null") (result i32) (ref.is_null (table.get $e (i64.const 0)))))"#;

#[test]
fn table_operators_on_64_bit_tables() {
    same_behaviour(
        TABLES64,
        &[
            ("tables", &[]),
            ("tables", &[]),
            ("null", &[]),
            ("grow", &[Val::I64(5)]),
            ("fill", &[Val::I64(6)]),
            ("fill", &[Val::I64(7)]),
            ("grow", &[Val::I64(-1)]),
        ],
    );
}

#[test]
fn growing_a_64_bit_table_past_the_limit_fails_as_natively() {
    let metered = meter(&wat::parse_str(TABLES64).unwrap()).unwrap();
    let mut run = Run::new(&metered, false);
    assert_eq!(
        run.global(TABLE_LIMIT_GLOBAL).unwrap_i32(),
        DEFAULT_TABLE_LIMIT
    );
    assert_eq!(run.i64("grow", &[Val::I64(1000)]), 1);
    assert_eq!(run.i64("grow", &[Val::I64(DEFAULT_TABLE_LIMIT.into())]), -1);
    assert_eq!(run.i64("grow", &[Val::I64(-1)]), -1);
    assert_eq!(run.global(TRAP_GLOBAL).unwrap_i32(), 0);
    let mut run = Run::new(&metered, false);
    run.set(TABLE_LIMIT_GLOBAL, Val::I32(4));
    assert_eq!(run.i64("grow", &[Val::I64(3)]), 1);
    assert_eq!(run.i64("grow", &[Val::I64(1)]), -1);
    assert_eq!(
        run.i64("grow", &[Val::I64(0)]),
        4,
        "the table kept its size"
    );
    // Growing charges one unit per element asked for, like the fills.
    run.set(TABLE_LIMIT_GLOBAL, Val::I32(-1));
    run.set(FUEL_GLOBAL, Val::I64(1 << 40));
    run.i64("grow", &[Val::I64(5_000)]);
    let used = (1i64 << 40) - run.global(FUEL_GLOBAL).unwrap_i64();
    assert!((5_000..5_100).contains(&used), "{used}");
}

/// A wasm-smith module with every default feature wasmtime 48 enables, from `seed`.
fn smith_module(seed: u64) -> Option<Vec<u8>> {
    let mut config = wasm_smith::Config {
        simd_enabled: true,
        relaxed_simd_enabled: true,
        tail_call_enabled: true,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        // wasmtime treats externref as a GC type, and this build has no `gc` feature:
        // modules with reference types (and those with GC or exceptions) are only
        // validated when wasmtime refuses them; half the corpus leaves them out to run.
        reference_types_enabled: seed % 4 < 2,
        extended_const_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        exceptions_enabled: seed.is_multiple_of(4),
        gc_enabled: seed.is_multiple_of(4),
        // 64-bit memories and tables in every other module, with and without references.
        memory64_enabled: seed % 2 == 1,
        threads_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        shared_everything_threads_enabled: false,
        max_memories: 2,
        max_tables: 2,
        max_memory32_bytes: 1 << 24,
        max_memory64_bytes: 1 << 24,
        max_table_elements: 10_000,
        min_funcs: 8,
        max_funcs: 30,
        max_instructions: 200,
        // Identical float bits on both sides, whatever NaNs the compiled code makes.
        canonicalize_nans: true,
        export_everything: true,
        ..wasm_smith::Config::default()
    };
    if !seed.is_multiple_of(4) {
        config.max_imports = 0;
    }
    // splitmix64: the fixed seed's bytes.
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xd1b5_4a32_d192_ed03;
    let bytes: Vec<u8> = (0..16 * 1024)
        .flat_map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)).to_le_bytes()
        })
        .collect();
    let mut u = arbitrary::Unstructured::new(&bytes);
    wasm_smith::Module::new(config, &mut u)
        .ok()
        .map(|m| m.to_bytes())
}

/// The native side of the comparison: wasmtime's own fuel, and a table limiter that
/// refuses what `__gh_table_limit` refuses, the way the meter does (by trapping).
struct Limits;

impl wasmtime::ResourceLimiter for Limits {
    fn memory_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _: usize,
        desired: usize,
        _: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > DEFAULT_TABLE_LIMIT as usize {
            wasmtime::bail!("table limit");
        }
        Ok(true)
    }
}

/// Wasmtime fuel the original gets per module; what runs out of it is not compared.
const CORPUS_FUEL: u64 = 1_000_000;

/// A fresh instance of `module`, its start function run: the original's under
/// wasmtime fuel and the table limiter, the metered one's by calling `__gh_start`.
fn instantiate(
    engine: &Engine,
    module: &WModule,
    metered: bool,
) -> wasmtime::Result<(Store<Limits>, Instance)> {
    let mut store = Store::new(engine, Limits);
    if metered {
        // Only a safety net: the metered module polices itself.
        store.set_fuel(CORPUS_FUEL * 1000)?;
    } else {
        store.limiter(|l| l);
        store.set_fuel(CORPUS_FUEL)?;
    }
    let instance = Instance::new(&mut store, module, &[])?;
    if let Some(start) = instance.get_func(&mut store, START_EXPORT) {
        start.call(&mut store, &[], &mut [])?;
    }
    Ok((store, instance))
}

/// Calls export `name` with default arguments in a fresh instance: `None` when it
/// takes arguments without defaults, or the original ran out of fuel.
fn call_fresh(engine: &Engine, module: &WModule, metered: bool, name: &str) -> Option<String> {
    let (mut store, instance) = match instantiate(engine, module, metered) {
        Ok(live) => live,
        Err(_) if !metered && store_fuel_gone(engine, module) => return None,
        Err(e) => return Some(format!("instantiation: {}", outcome(Err(e)))),
    };
    let func = instance.get_func(&mut store, name)?;
    let ty = func.ty(&store);
    let args = ty
        .params()
        .map(|t| Val::default_for_ty(&t))
        .collect::<Option<Vec<_>>>()?;
    let mut results = vec![Val::I32(0); ty.results().len()];
    let out = func.call(&mut store, &args, &mut results).map(|()| results);
    if !metered && store.get_fuel().unwrap() == 0 {
        return None;
    }
    Some(outcome(out))
}

/// Whether the original's instantiation failed by running out of fuel.
fn store_fuel_gone(engine: &Engine, module: &WModule) -> bool {
    let mut store = Store::new(engine, Limits);
    store.limiter(|l| l);
    store.set_fuel(CORPUS_FUEL).unwrap();
    Instance::new(&mut store, module, &[]).is_err() && store.get_fuel().unwrap() == 0
}

/// Calls every export callable with default arguments, each in fresh instances of
/// `original` and `metered`; returns how many calls were compared, or panics on a
/// difference.
fn compare_runs(engine: &Engine, original: &[u8], metered: &[u8], seed: u64) -> usize {
    let (Ok(before), Ok(after)) = (
        WModule::new(engine, original),
        WModule::new(engine, metered),
    ) else {
        // What wasmtime cannot compile (GC types in this build) is only validated; but
        // metering must not make a module uncompilable.
        assert!(WModule::new(engine, original).is_err(), "seed {seed}");
        return 0;
    };
    if before.imports().len() > 0 {
        return 0;
    }
    let mut compared = 0;
    for export in before.exports() {
        let Some(want) = call_fresh(engine, &before, false, export.name()) else {
            continue;
        };
        let got = call_fresh(engine, &after, true, export.name());
        assert_eq!(got.as_ref(), Some(&want), "seed {seed}: {}", export.name());
        compared += 1;
    }
    compared
}

#[test]
fn a_generated_corpus_validates_and_behaves_the_same() {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    let engine = Engine::new(&config).unwrap();
    let (mut modules, mut compared) = (0, 0);
    let (mut wide_modules, mut wide_compared) = (0, 0);
    for seed in 0..200 {
        let Some(original) = smith_module(seed) else {
            continue;
        };
        let metered = meter(&original).unwrap_or_else(|e| panic!("seed {seed}: {e:#}"));
        wasmparser::Validator::new()
            .validate_all(&metered)
            .unwrap_or_else(|e| panic!("seed {seed}: metered module invalid: {e}"));
        let calls = compare_runs(&engine, &original, &metered, seed);
        compared += calls;
        modules += 1;
        if has_64_bit_index(&original) {
            wide_modules += 1;
            wide_compared += calls;
        }
    }
    assert!(modules >= 180, "only {modules} modules generated");
    assert!(compared >= 200, "only {compared} calls compared");
    assert!(
        wide_compared >= 50,
        "only {wide_compared} calls on 64-bit memories or tables"
    );
    eprintln!(
        "{modules} modules metered and validated, {compared} calls compared \
         ({wide_modules} modules and {wide_compared} calls with 64-bit memories or tables)"
    );
}

/// Whether `wasm` has a 64-bit memory or table.
fn has_64_bit_index(wasm: &[u8]) -> bool {
    let input = parse(wasm).unwrap();
    let memories = input.facts.memories.iter().map(|m| m.index_type);
    let mut types = memories.chain(input.facts.tables.iter().copied());
    types.any(|t| t == IndexType::I64)
}

/// A module of `funcs` loop-heavy functions (about 110 bytes of code each), built
/// directly in binary.
fn big_module(funcs: u32) -> Vec<u8> {
    use wasm_encoder::{
        BlockType, CodeSection, Function, FunctionSection, MemArg, MemorySection, MemoryType,
        Module, TypeSection, ValType,
    };
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    let mut functions = FunctionSection::new();
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut code = CodeSection::new();
    let mem = MemArg {
        offset: 8,
        align: 2,
        memory_index: 0,
    };
    for i in 0..funcs {
        functions.function(0);
        let mut f = Function::new([(2, ValType::I32)]);
        let mut b = f.instructions();
        b.block(BlockType::Empty).loop_(BlockType::Empty);
        for k in 0..8 {
            b.local_get(0)
                .i32_const(k)
                .i32_add()
                .local_tee(1)
                .i32_const(3)
                .i32_mul()
                .local_get(2)
                .i32_xor()
                .local_set(2);
        }
        b.i32_const(0)
            .local_get(2)
            .i32_store(mem)
            .local_get(0)
            .i32_const(1)
            .i32_sub()
            .local_tee(0)
            .br_if(0)
            .end()
            .end();
        if i > 0 {
            b.local_get(2).call(i - 1).drop();
        }
        b.i32_const(0).memory_grow(0).drop().local_get(2).end();
        code.function(&f);
    }
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&memories)
        .section(&code);
    module.finish()
}

#[test]
fn a_large_module_meters_in_linear_time() {
    let mut rates = Vec::new();
    for funcs in [20_000, 80_000] {
        let wasm = big_module(funcs);
        let started = std::time::Instant::now();
        let metered = meter(&wasm).unwrap();
        let took = started.elapsed();
        let mb = wasm.len() as f64 / 1e6;
        eprintln!(
            "metered {mb:.1} MB ({funcs} functions) in {took:?}: {:.0} MB/s, {:.1} MB out",
            mb / took.as_secs_f64(),
            metered.len() as f64 / 1e6
        );
        rates.push(mb / took.as_secs_f64());
        if funcs == 20_000 {
            wasmparser::Validator::new().validate_all(&metered).unwrap();
        }
    }
    // Four times the input may not take much more than four times as long.
    assert!(rates[1] > rates[0] / 3.0, "{rates:?}");
}

#[test]
#[ignore = "benchmark: GH_METER_BENCH=path/to/core-module-or-component.wasm"]
fn meter_a_file() {
    let path = std::env::var("GH_METER_BENCH").expect("GH_METER_BENCH");
    let wasm = std::fs::read(&path).unwrap();
    let modules = if wasmparser::Parser::is_component(&wasm) {
        // Through the whole transpile, which meters every core module.
        let started = std::time::Instant::now();
        let out = crate::transpile(&path, &wasm).unwrap();
        eprintln!("{path}: transpiled in {:?}", started.elapsed());
        let originals = js_component_bindgen_core_modules(&wasm);
        originals
            .into_iter()
            .zip(out.core_modules)
            .collect::<Vec<_>>()
    } else {
        vec![((path.clone(), wasm.clone()), (path.clone(), Vec::new()))]
    };
    for ((name, original), _) in modules {
        let started = std::time::Instant::now();
        let metered = meter(&original).unwrap();
        let took = started.elapsed();
        let start = metered
            .windows(START_EXPORT.len())
            .any(|w| w == START_EXPORT.as_bytes());
        eprintln!(
            "{name}: {:.2} MB metered in {took:?} ({:.2} MB out{})",
            original.len() as f64 / 1e6,
            metered.len() as f64 / 1e6,
            if start { ", had a start function" } else { "" }
        );
        wasmparser::Validator::new().validate_all(&metered).unwrap();
    }
}

/// The core modules js-component-bindgen extracts from `component`, unmetered.
fn js_component_bindgen_core_modules(component: &[u8]) -> Vec<(String, Vec<u8>)> {
    let opts = js_component_bindgen::TranspileOpts {
        name: "guard".to_string(),
        no_typescript: true,
        instantiation: Some(js_component_bindgen::InstantiationMode::Sync),
        base64_cutoff: 0,
        // As `crate::transpile`: modules with several memories pass through.
        multi_memory: true,
        ..Default::default()
    };
    let out = js_component_bindgen::transpile(component, opts).unwrap();
    out.files
        .into_iter()
        .filter(|(f, _)| f.ends_with(".wasm"))
        .collect()
}
