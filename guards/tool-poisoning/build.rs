//! Indexes the built-in rules ([`catalog::built_in`]) at build time into
//! `$OUT_DIR/built_in.rs`, so a guard call, on a fresh instance, does not index them again.

#[allow(dead_code)]
#[path = "src/catalog.rs"]
mod catalog;

fn main() {
    println!("cargo:rerun-if-changed=src/catalog.rs");
    catalog::built_in().write_built_in();
}
