// `sqlx::migrate!` embeds the SQL files at compile time; without this, editing a migration would not rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
