//! The guardhouse web page: load guard components, run them in a Web Worker through the
//! shared JS runtime, and share reproducible cases. `main` only mounts.

mod actions;
mod bench;
mod eval;
mod examples;
mod exec;
mod js;
mod loader;
mod model;
mod share;
mod state;
mod ui;
mod yaml;

fn main() {
    leptos::mount::mount_to_body(ui::App);
}
