//! Small, exact rewrites of the glue js-component-bindgen 1.14.0 generates, for speed on
//! the per-call path. Each rewrite replaces one known text verbatim; a glue without that
//! text (another bindgen version) is left unchanged, and `tests/js` checks the rewrites
//! still apply to the pinned version's output.

/// Marker placed in rewritten glue.
pub const PATCH_MARKER: &str = "guardhouse: patched glue";

/// jco 1.14's string lowering: one `TextEncoder.encode` per string plus a spread to
/// count code points, which dominates a 50-tool `evaluate-tools-list` call in V8.
const UTF8_ORIGINAL: &str = "  function _utf8AllocateAndEncode(s, realloc, memory) {
    if (typeof s !== 'string') {
      throw new TypeError('expected a string, received [' + typeof s + ']');
    }
    if (s.length === 0) { return { ptr: 1, len: 0 }; }
    let buf = TEXT_ENCODER_UTF8.encode(s);
    let ptr = realloc(0, 0, 1, buf.length);
    new Uint8Array(memory.buffer).set(buf, ptr);
    return { ptr, len: buf.length, codepoints: [...s].length };
  }
";

/// Same bytes in guest memory, same `realloc` contract: short ASCII strings are copied
/// without a TextEncoder call; anything else falls back to the original encoding
/// (re-allocating the optimistic block). `codepoints` is only read by async lowering,
/// so it is computed on demand. The copy goes through one byte view of the memory kept
/// while its buffer is attached (a `memory.buffer` read is a slow API getter in V8, and
/// a new view per string is an allocation); a block outside the memory still throws a
/// RangeError, as the per-string view did.
const UTF8_FAST: &str = "  let _ghU8 = new Uint8Array(0);
  let _ghU8Mem = null;
  const _ghBytesOf = mem => {
    if (mem === _ghU8Mem && _ghU8.length !== 0) return _ghU8;
    const buffer = mem.buffer;
    _ghU8 = new Uint8Array(buffer);
    _ghU8Mem = buffer instanceof ArrayBuffer ? mem : null;
    return _ghU8;
  };
  function _utf8AllocateAndEncode(s, realloc, memory) {
    if (typeof s !== 'string') {
      throw new TypeError('expected a string, received [' + typeof s + ']');
    }
    if (s.length === 0) { return { ptr: 1, len: 0 }; }
    const n = s.length;
    if (n <= 512) {
      const ptr = realloc(0, 0, 1, n);
      const view = _ghBytesOf(memory);
      if (!(ptr >= 0 && ptr + n <= view.length)) {
        throw new RangeError('realloc returned a block outside the memory');
      }
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        view[ptr + i] = c;
      }
      if (i === n) return { ptr, len: n, codepoints: n };
      const buf = TEXT_ENCODER_UTF8.encode(s);
      const grown = realloc(ptr, n, 1, buf.length);
      new Uint8Array(memory.buffer).set(buf, grown);
      return { ptr: grown, len: buf.length, get codepoints() { return [...s].length; } };
    }
    let buf = TEXT_ENCODER_UTF8.encode(s);
    let ptr = realloc(0, 0, 1, buf.length);
    new Uint8Array(memory.buffer).set(buf, ptr);
    return { ptr, len: buf.length, get codepoints() { return [...s].length; } };
  }
";

/// jco 1.14's `dataView` reads `mem.buffer` (a slow API getter in V8) on every load and
/// store of lowering and lifting: six times per tool of a tools list. The view is kept
/// instead while its buffer is attached: a growth detaches the old buffer (byte length 0),
/// and the view is then made again. A shared memory's buffer is never detached, so its
/// view is not kept.
const DATAVIEW_ORIGINAL: &str =
    "  const dataView = mem => dv.buffer === mem.buffer ? dv : dv = new DataView(mem.buffer);";
const DATAVIEW_FAST: &str = "  let _ghDvMem = null;
  const dataView = mem => {
    if (mem === _ghDvMem && dv.buffer.byteLength !== 0) return dv;
    const buffer = mem.buffer;
    dv = new DataView(buffer);
    _ghDvMem = buffer instanceof ArrayBuffer ? mem : null;
    return dv;
  };";

/// jco 1.14 reads `process.env.JCO_DEBUG` on every traced step (a real environment
/// lookup in Node); read it once per instantiation instead.
const DEBUG_ORIGINAL: &str = "const _debugLog = (...args) => {
  if (!globalThis?.process?.env?.JCO_DEBUG) { return; }";
const DEBUG_FAST: &str = "const _JCO_DEBUG = !!globalThis?.process?.env?.JCO_DEBUG;
const _debugLog = (...args) => {
  if (!_JCO_DEBUG) { return; }";

/// jco 1.14's `waitForBackpressure` (async-only code, never called by sync guards)
/// assigns to a `const`; esbuild, which wrangler bundles the Worker with, rejects the
/// whole glue for it ("Cannot assign to … because it is a constant").
const BACKPRESSURE_ORIGINAL: &str = "const backpressureCleared = false;";
const BACKPRESSURE_FIXED: &str = "let backpressureCleared = false;";

/// jco 1.14's `_liftFlatRecord` (emitted for guards whose exports lift records, e.g.
/// componentize-js output) destructures `storagePtr` as a `const` and assigns to it:
/// esbuild rejects it the same way.
const LIFT_RECORD_ORIGINAL: &str =
    "const { memory, useDirectParams, storagePtr, storageLen, params } = ctx;";
const LIFT_RECORD_FIXED: &str =
    "let { memory, useDirectParams, storagePtr, storageLen, params } = ctx;";

/// Applies the rewrites that match; returns the glue and how many applied.
pub fn patch_glue(glue: &str) -> (String, usize) {
    let mut out = glue.to_string();
    let mut applied = 0;
    for (from, to) in [
        (UTF8_ORIGINAL, UTF8_FAST),
        (DATAVIEW_ORIGINAL, DATAVIEW_FAST),
        (DEBUG_ORIGINAL, DEBUG_FAST),
        (BACKPRESSURE_ORIGINAL, BACKPRESSURE_FIXED),
        (LIFT_RECORD_ORIGINAL, LIFT_RECORD_FIXED),
    ] {
        if out.contains(from) {
            out = out.replacen(from, to, 1);
            applied += 1;
        }
    }
    if applied > 0 {
        out = format!("// {PATCH_MARKER} ({applied} rewrites)\n{out}");
    }
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_text_is_rewritten_once() {
        let glue =
            format!("x\n{UTF8_ORIGINAL}y\n{DEBUG_ORIGINAL}\n  console.debug(...args);\n}}\n");
        let (out, n) = patch_glue(&glue);
        assert_eq!(n, 2);
        assert!(out.starts_with("// guardhouse: patched glue (2 rewrites)"));
        assert!(out.contains("if (n <= 512)"));
        assert!(out.contains("_JCO_DEBUG"));
        assert!(!out.contains("codepoints: [...s].length };"));
    }

    #[test]
    fn data_view_is_kept_while_attached() {
        let (out, n) = patch_glue(&format!("  let dv = 1;\n{DATAVIEW_ORIGINAL}\n"));
        assert_eq!(n, 1);
        assert!(out.contains("dv.buffer.byteLength !== 0"));
        assert!(!out.contains("dv.buffer === mem.buffer"));
    }

    #[test]
    fn const_reassignment_esbuild_rejects_is_fixed() {
        let (out, n) =
            patch_glue("  waitForBackpressure() {\n    const backpressureCleared = false;\n");
        assert_eq!(n, 1);
        assert!(out.contains("let backpressureCleared = false;"));
    }

    #[test]
    fn const_destructuring_esbuild_rejects_is_fixed() {
        let glue = format!(
            "  {LIFT_RECORD_ORIGINAL}\n    if (useDirectParams) {{\n      storagePtr = params[0]\n    }}\n"
        );
        let (out, n) = patch_glue(&glue);
        assert_eq!(n, 1);
        assert!(out.contains("  let { memory, useDirectParams, storagePtr"));
    }

    #[test]
    fn unknown_glue_is_left_alone() {
        let (out, n) = patch_glue("export function instantiate() {}");
        assert_eq!((out.as_str(), n), ("export function instantiate() {}", 0));
    }
}
