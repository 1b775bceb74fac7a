use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // One TLS crypto provider for the whole process (SMTP, webhooks, PostgreSQL all use rustls with ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = casewatch::cli::Cli::parse();
    casewatch::telemetry::init(cli.log_format);
    casewatch::cli::run(cli).await
}
