// per_call snapshot restore on a hand-written module that follows meter's export layout
// (core/transpile/src/meter.rs): a mutable global, a memory byte and a virtually grown
// page must all read as fresh on every per_call call, and accumulate when persistent.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import binaryen from 'binaryen';

import { GuardInstance, GuardModule } from '../../core/js/guard-runtime.mjs';
import { limitsJson } from './helpers.mjs';

const WAT = `(module
  (memory $m 1 10)
  (global $fuel (mut i64) (i64.const 0x7fffffffffffffff))
  (global $limit (mut i32) (i32.const -1))
  (global $trap (mut i32) (i32.const 0))
  (global $want (mut i64) (i64.const 0))
  (global $counter (mut i32) (i32.const 0))
  (global $pages (mut i32) (i32.const 1))
  (export "__gh_fuel" (global $fuel))
  (export "__gh_mem_limit" (global $limit))
  (export "__gh_trap" (global $trap))
  (export "__gh_mem_want" (global $want))
  (export "__gh_g0" (global $counter))
  (export "__gh_g1" (global $pages))
  (export "__gh_mem0" (memory $m))
  (export "__gh_pages0" (global $pages))
  (func (export "bump") (param $out i32)
    (local $page i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (i32.const 1)))
    ;; grow by one virtual page, like meter's memory.grow replacement
    (if (i32.ge_u (global.get $pages) (memory.size))
      (then (drop (memory.grow (i32.const 1)))))
    (local.set $page (i32.mul (global.get $pages) (i32.const 65536)))
    (global.set $pages (i32.add (global.get $pages) (i32.const 1)))
    (i32.store8 (local.get $page) (i32.add (i32.load8_u (local.get $page)) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $counter))
    (i32.store (i32.const 4) (i32.load8_u (i32.const 100)))
    (i32.store (i32.const 8) (global.get $pages))
    (i32.store (i32.const 12) (i32.load8_u (local.get $page)))))`;

const core = new WebAssembly.Module(binaryen.parseText(WAT).emitBinary());

// A glue shaped like jco's sync instantiation output, for this one module.
const glue = {
  instantiate(getCoreModule, _imports, instantiateCore) {
    const { exports } = instantiateCore(getCoreModule('guard.core.wasm'), {});
    const evaluateToolsList = () => {
      exports.bump(0);
      const v = new Int32Array(exports.__gh_mem0.buffer, 0, 4);
      return { tag: 'warn', val: [`counter=${v[0]}`, `byte=${v[1]}`, `pages=${v[2]}`, `new-page=${v[3]}`] };
    };
    return { 'mcp:security-guard/guard@0.1.0': { evaluateToolsList } };
  },
};

const gm = new GuardModule('synthetic', glue, { 'guard.core.wasm': core }, 'canonical');
const LIMITS = limitsJson();
const call = (inst) => JSON.parse(inst.call('evaluate-tools-list', '[[], {}]', '{}', LIMITS)).value.value;

test('per_call restores globals, memory and virtual pages', () => {
  const inst = new GuardInstance(gm, 'per_call');
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(call(inst), ['counter=1', 'byte=1', 'pages=2', 'new-page=1']);
  }
  // The real memory grew once and is reused; the guest never sees it.
  assert.equal(inst.live.cores[0].exports.__gh_mem0.buffer.byteLength, 2 * 65536);
});

test('persistent keeps them', () => {
  const inst = new GuardInstance(gm, 'persistent');
  assert.deepEqual(call(inst), ['counter=1', 'byte=1', 'pages=2', 'new-page=1']);
  assert.deepEqual(call(inst), ['counter=2', 'byte=2', 'pages=3', 'new-page=1']);
});
