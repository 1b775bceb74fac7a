use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = casewatch::cli::Cli::parse();
    casewatch::telemetry::init(cli.log_format);
    casewatch::cli::run(cli).await
}
