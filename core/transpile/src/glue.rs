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
/// so it is computed on demand.
const UTF8_FAST: &str = "  function _utf8AllocateAndEncode(s, realloc, memory) {
    if (typeof s !== 'string') {
      throw new TypeError('expected a string, received [' + typeof s + ']');
    }
    if (s.length === 0) { return { ptr: 1, len: 0 }; }
    const n = s.length;
    if (n <= 512) {
      const ptr = realloc(0, 0, 1, n);
      const view = new Uint8Array(memory.buffer, ptr, n);
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        view[i] = c;
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
