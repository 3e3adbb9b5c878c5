//! The window's TypeScript types (`ui/src/lib/types.ts`), generated from the Rust types
//! that cross IPC: the app's status and errors, the engine's snapshot, commands, their
//! outcomes and notices, and every type they name. The test fails when the file is stale;
//! `RESTPHONE_WRITE_TYPES=1 cargo test -p restphone ipc_types` writes it again.

use std::collections::BTreeMap;

use ts_rs::{Config, TS, TypeVisitor};

const TYPES_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/types.ts");

/// Collects the declaration of each type visited and of every type it names, once.
struct Declarations {
    config: Config,
    by_name: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no file of their own, nor a declaration.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(&self.config);
        if self.by_name.contains_key(&name) {
            return;
        }
        let docs = T::docs().unwrap_or_default();
        self.by_name.insert(name, format!("{docs}export {}", T::decl(&self.config)));
        T::visit_dependencies(self);
    }
}

fn typescript() -> String {
    // Every integer the window sees fits a JavaScript number.
    let mut types = Declarations { config: Config::new().with_large_int("number"), by_name: BTreeMap::new() };
    types.visit::<crate::status::Status>();
    types.visit::<crate::error::AppError>();
    types.visit::<restphone_phone::Snapshot>();
    types.visit::<restphone_phone::Command>();
    types.visit::<restphone_phone::Outcome>();
    types.visit::<restphone_phone::Notice>();
    types.visit::<crate::audio::AudioChoices>();
    types.visit::<restphone_media::system_audio::Direction>();
    let header = "// Generated from the Rust types by src-tauri/ipc_types.rs: do not edit.\n\n";
    header.to_owned() + &types.by_name.into_values().collect::<Vec<_>>().join("\n\n") + "\n"
}

#[test]
fn the_windows_types_are_generated_from_the_rust_types() {
    let generated = typescript();
    if std::env::var_os("RESTPHONE_WRITE_TYPES").is_some() {
        std::fs::write(TYPES_FILE, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(TYPES_FILE).unwrap_or_default();
    assert!(committed == generated, "{TYPES_FILE} is stale: write it again with `RESTPHONE_WRITE_TYPES=1 cargo test -p restphone ipc_types`");
}
