//! The SQL migrations are embedded into the binary by `sqlx::migrate!`; rebuild when any
//! of them changes or a new one is added.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
