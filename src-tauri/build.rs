//! Builds the Tauri context. The UI is compiled into the binary, so it must be built first.

fn main() {
    println!("cargo:rerun-if-changed=ui/dist");
    if !std::path::Path::new("ui/dist/index.html").exists() {
        panic!("ui/dist/index.html is missing: build the UI first (`bash scripts/app.sh`, or `npm ci && npm run build` in ui/)");
    }
    tauri_build::build();
}
