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
        Self { store, instance }
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
