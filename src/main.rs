use std::process::ExitCode;

use clap::Parser;

/// A case read decodes rows on one thread and the rules drop them on another: mimalloc frees across threads
/// without glibc's arena locking and consolidation, which was a sixth of a SQLite read's profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // One TLS crypto provider for the whole process (SMTP, webhooks, PostgreSQL all use rustls with ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = casewatch::cli::Cli::parse();
    casewatch::telemetry::init(cli.log_format);
    casewatch::cli::run(cli).await
}
