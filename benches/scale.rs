//! The scale benchmark: generate 10k, 100k and 1M children, evaluate them, and compare with the time the
//! database itself takes to hand over the same rows.
//!
//! ```text
//! cargo bench --bench scale                                     # 10k and 100k, SQLite and PostgreSQL
//! cargo bench --bench scale -- --sizes 10000,100000,1000000     # the full run (about an hour, 8 GB of disk)
//! cargo bench --bench scale -- --postgres postgres://me@db/postgres --backends postgres
//! cargo bench --bench scale -- --packs lcs,havering,luton,isle-of-wight,enfield   # each size without, then with
//! ```
//!
//! For each backend and size it
//! 1. fills a case database with `casewatch demo generate` (seed 2026, today 2026-11-23), unless one filled
//!    with the same seed, size and date is already there (PostgreSQL: database `casewatch_bench_N`; SQLite:
//!    `WORKDIR/cases-N.db`), then `VACUUM ANALYZE`s it, as a production database would be;
//! 2. runs `casewatch evaluate --format json > /dev/null` `--runs` times and reports the median wall time and
//!    the largest peak RSS (from `wait4`), and rows read per second;
//! 3. runs the same queries casewatch issues (staff, then the four case-ordered feeds, and one more for each of
//!    `case_events`, `meetings` and `records` that the configured packs read) through the
//!    database's own client into /dev/null — `psql -c "COPY (…) TO STDOUT"` for PostgreSQL, the `sqlite3`
//!    shell for SQLite — and reports the median: the hand-over time. evaluate/hand-over is the figure that
//!    matters.
//!
//! Without `--postgres` it runs its own PostgreSQL server (the tests' harness) in a temporary directory with
//! `fsync=off`; pass a server's URL (a database to connect to for `CREATE DATABASE`) to measure a real one.
//! 4. unless `--no-tick`, runs the service's pass, `casewatch tick --at 2026-12-07T09:00:00Z`, twice (the first
//!    pass, then a second over unchanged data) on a fresh state database of the source's kind (SQLite file, or a
//!    PostgreSQL database), everything told (`delivery.tell_from` far back) and mail written to files, and reports
//!    each pass's wall time and peak RSS, the state database's size after it, its notices and messages, and the
//!    pass's time over `evaluate`'s at the same instant.
//!
//! The measurements are reported, never asserted.

#[path = "../tests/support/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use casewatch::source::{CaseSource, OpenMode, Table};
use chrono::NaiveDate;
use clap::Parser;
use sqlx::Connection;

const SEED: u64 = 2026;
const TODAY: &str = "2026-11-23";
const AT: &str = "2026-11-23T09:00:00Z";
/// The service's pass: two weeks after the data's today, a Monday at 09:00 (a digest window and the managers'
/// summary time are open), as in issue 21.
const TICK_AT: &str = "2026-12-07T09:00:00Z";

#[derive(Debug, Parser)]
struct Args {
    /// Numbers of children, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    sizes: Vec<usize>,
    /// sqlite, postgres or both, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// A PostgreSQL server to use instead of a temporary one: the URL of a database to connect to while
    /// creating `casewatch_bench_N` databases (which are left in place for the next run).
    #[arg(long)]
    postgres: Option<String>,
    /// Timed runs of each measurement; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Where SQLite databases, configurations and results go.
    #[arg(long, default_value = "target/bench-scale")]
    workdir: PathBuf,
    /// Generate again even when a matching database is there.
    #[arg(long)]
    regenerate: bool,
    /// Rule packs (`rules.packs`), comma-separated: each size is then measured without packs and with these.
    #[arg(long, value_delimiter = ',')]
    packs: Vec<String>,
    /// Skip the service's pass (`tick`), which takes minutes at 100k children with every pack.
    #[arg(long)]
    no_tick: bool,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

struct Measured {
    backend: &'static str,
    children: usize,
    /// The `rules.packs` evaluated, comma-separated; empty for none.
    packs: String,
    rows: u64,
    generate: Option<Duration>,
    evaluate: Duration,
    peak_rss_mb: f64,
    hand_over: Duration,
    /// The service's pass: the first, then a second over unchanged data.
    ticks: Vec<Ticked>,
}

/// One `casewatch tick` and what its state database holds after it.
struct Ticked {
    pass: &'static str,
    wall: Duration,
    peak_rss_mb: f64,
    /// `casewatch evaluate` at the same instant, for the steady state's ratio.
    evaluate: Duration,
    state_mb: f64,
    notices: u64,
    messages: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    std::fs::create_dir_all(&args.workdir)?;
    let workdir = args.workdir.canonicalize()?;
    let exe = Path::new(env!("CARGO_BIN_EXE_casewatch"));
    let mut results = Vec::new();
    for backend in &args.backends {
        let backend: &'static str = match backend.as_str() {
            "sqlite" => "sqlite",
            "postgres" => "postgres",
            other => bail!("--backends: unknown backend {other:?} (sqlite, postgres)"),
        };
        let admin = (backend == "postgres").then(|| match &args.postgres {
            Some(url) => url.clone(),
            None => postgres::server().url("postgres"),
        });
        let mut variants = vec![Vec::new()];
        if !args.packs.is_empty() {
            variants.push(args.packs.clone());
        }
        for &children in &args.sizes {
            for (i, packs) in variants.iter().enumerate() {
                let bench = Bench {
                    exe,
                    workdir: &workdir,
                    backend,
                    children,
                    admin: admin.as_deref(),
                    runs: args.runs.max(1),
                    packs,
                    tick: !args.no_tick,
                };
                let measured = runtime.block_on(bench.run(args.regenerate && i == 0))?;
                print_row(&measured);
                results.push(measured);
            }
        }
    }
    let report = workdir.join("results.md");
    std::fs::write(&report, table(&results))?;
    println!("\n{}", table(&results));
    println!("written to {}", report.display());
    Ok(())
}

struct Bench<'a> {
    exe: &'a Path,
    workdir: &'a Path,
    backend: &'static str,
    children: usize,
    admin: Option<&'a str>,
    runs: usize,
    packs: &'a [String],
    tick: bool,
}

impl Bench<'_> {
    async fn run(&self, regenerate: bool) -> anyhow::Result<Measured> {
        let url = self.prepare_database(regenerate).await?;
        let generate = if self.filled(&url).await? {
            eprintln!("{} {}: reusing {url}", self.backend, self.children);
            None
        } else {
            Some(self.generate(&url).await?)
        };
        let name = match self.packs {
            [] => format!("{}-{}", self.backend, self.children),
            _ => format!("{}-{}-packs", self.backend, self.children),
        };
        let config = self.workdir.join(format!("{name}.toml"));
        let state = format!("sqlite://{}/state.db", self.workdir.display());
        std::fs::write(&config, config_text(&url, &state, self.packs))?;
        // The optional tables the configured packs read, as casewatch works them out.
        let tables = casewatch::config::Config::load(&config)?.rules.tables();
        let source = CaseSource::open(&url, OpenMode::ReadWrite).await?;
        let queries = source.read_queries(TODAY.parse::<NaiveDate>()?, tables);
        source.close().await;
        let rows = self.count_rows(&url, &queries)?;

        let log = self.workdir.join(format!("evaluate-{name}.log"));
        let mut evaluate = Vec::new();
        let mut peak_rss_kb = 0;
        for _ in 0..self.runs {
            let mut command = Command::new(self.exe);
            command
                .args(["evaluate", "--format", "json", "--at", AT, "--config"])
                .arg(&config)
                .stderr(std::fs::File::create(&log)?);
            let (elapsed, rss) = timed(command)?;
            evaluate.push(elapsed);
            peak_rss_kb = peak_rss_kb.max(rss);
        }
        let mut hand_over = Vec::new();
        for _ in 0..self.runs {
            hand_over.push(timed(self.hand_over_command(&url, &queries))?.0);
        }
        let ticks = match self.tick {
            true => self.ticks(&url, &name).await?,
            false => Vec::new(),
        };
        Ok(Measured {
            backend: self.backend,
            children: self.children,
            packs: self.packs.join(","),
            rows,
            generate,
            evaluate: median(evaluate),
            peak_rss_mb: peak_rss_kb as f64 / 1024.0,
            hand_over: median(hand_over),
            ticks,
        })
    }

    /// `casewatch tick --at TICK_AT` twice on a fresh state database of the source's kind (a SQLite file beside
    /// the case database, or a PostgreSQL database `casewatch_bench_state_N`), everything told
    /// (`delivery.tell_from` far back), mail written to files.
    async fn ticks(&self, url: &str, name: &str) -> anyhow::Result<Vec<Ticked>> {
        let state = self.fresh_state(name).await?;
        let mail = self.workdir.join(format!("mail-{name}"));
        let _ = std::fs::remove_dir_all(&mail);
        std::fs::create_dir_all(&mail)?;
        let config = self.workdir.join(format!("{name}-tick.toml"));
        let text = config_text(url, &state, self.packs)
            + &format!(
                "[delivery]\ntell_from = \"2000-01-01\"\n\
                 [email]\ntransport = \"file\"\nfile_dir = \"{}\"\nfrom = \"casewatch <casewatch@council.example>\"\n",
                mail.display()
            );
        std::fs::write(&config, text)?;
        let log = std::fs::File::create(self.workdir.join(format!("tick-{name}.log")))?;
        let mut evaluate = Command::new(self.exe);
        evaluate
            .args(["evaluate", "--format", "json", "--at", TICK_AT, "--config"])
            .arg(&config)
            .stderr(log.try_clone()?);
        let (evaluate, _) = timed(evaluate)?;
        let mut ticks = Vec::new();
        for pass in ["first", "second"] {
            let mut command = Command::new(self.exe);
            command
                .args(["tick", "--at", TICK_AT, "--config"])
                .arg(&config)
                .stderr(log.try_clone()?);
            let (wall, rss) = timed(command)?;
            let count = |table: &str| -> anyhow::Result<u64> {
                let n = self.sql(&state, &format!("SELECT count(*) FROM {table}"))?;
                n.trim().parse::<u64>().context("count(*)")
            };
            ticks.push(Ticked {
                pass,
                wall,
                peak_rss_mb: rss as f64 / 1024.0,
                evaluate,
                state_mb: self.state_size(&state)? as f64 / 1e6,
                notices: count("notices")?,
                messages: count("messages")?,
            });
            print_tick(self, ticks.last().expect("just pushed"));
        }
        Ok(ticks)
    }

    /// An empty state database's URL: the SQLite file removed, or the PostgreSQL database dropped and created.
    async fn fresh_state(&self, name: &str) -> anyhow::Result<String> {
        match self.admin {
            None => {
                let path = self.workdir.join(format!("state-{name}.db"));
                for suffix in ["", "-wal", "-shm", ".lock"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Ok(format!("sqlite://{}", path.display()))
            }
            Some(admin) => {
                let db = format!("casewatch_bench_state_{}", self.children);
                let mut conn = sqlx::PgConnection::connect(admin).await?;
                for sql in [
                    format!("DROP DATABASE IF EXISTS {db}"),
                    format!("CREATE DATABASE {db}"),
                ] {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await?;
                }
                database_url(admin, &db)
            }
        }
    }

    /// The state database's size in bytes: the SQLite file and its write-ahead log, or `pg_database_size`.
    fn state_size(&self, state: &str) -> anyhow::Result<u64> {
        match self.admin {
            None => {
                let path = sqlite_path(state);
                Ok(["", "-wal"]
                    .iter()
                    .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
                    .map(|m| m.len())
                    .sum())
            }
            Some(_) => {
                let size = self.sql(state, "SELECT pg_database_size(current_database())")?;
                size.trim().parse().context("pg_database_size")
            }
        }
    }

    /// The case database's URL, created (empty) if missing; emptied first when `regenerate`.
    async fn prepare_database(&self, regenerate: bool) -> anyhow::Result<String> {
        match self.admin {
            None => {
                let path = self.workdir.join(format!("cases-{}.db", self.children));
                if regenerate {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
                Ok(format!("sqlite://{}", path.display()))
            }
            Some(admin) => {
                let name = format!("casewatch_bench_{}", self.children);
                let mut conn = sqlx::PgConnection::connect(admin).await?;
                if regenerate {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name}"
                    )))
                    .execute(&mut conn)
                    .await?;
                }
                let exists: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                )
                .bind(&name)
                .fetch_one(&mut conn)
                .await?;
                if !exists {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&mut conn)
                        .await?;
                }
                database_url(admin, &name)
            }
        }
    }

    /// Whether the database holds this benchmark's caseload (its marker row says which seed, size and date).
    async fn filled(&self, url: &str) -> anyhow::Result<bool> {
        let source = CaseSource::open(url, OpenMode::CreateIfMissing).await?;
        source.migrate_case_schema().await?;
        let holds = source.holds_cases().await?;
        source.close().await;
        if !holds {
            return Ok(false);
        }
        let marker = self.sql(
            url,
            "SELECT seed || ' ' || children || ' ' || today FROM casewatch_bench",
        );
        let expected = format!("{SEED} {} {TODAY}", self.children);
        match marker {
            Ok(found) if found.trim() == expected => Ok(true),
            _ => bail!(
                "{url} holds cases that this benchmark did not generate (seed {SEED}, {} children, {TODAY}); \
                 pass --regenerate to replace them",
                self.children
            ),
        }
    }

    async fn generate(&self, url: &str) -> anyhow::Result<Duration> {
        eprintln!("{} {}: generating into {url}", self.backend, self.children);
        let started = Instant::now();
        let status = Command::new(self.exe)
            .args([
                "demo",
                "generate",
                "--seed",
                &SEED.to_string(),
                "--today",
                TODAY,
            ])
            .args(["--children", &self.children.to_string(), "--source", url])
            .env("RUST_LOG", "warn")
            .status()?;
        ensure!(status.success(), "casewatch demo generate failed: {status}");
        let elapsed = started.elapsed();
        let analyse = if self.admin.is_some() {
            "VACUUM ANALYZE"
        } else {
            "ANALYZE"
        };
        self.sql(url, analyse)?;
        self.sql(
            url,
            &format!(
                "CREATE TABLE casewatch_bench (seed BIGINT, children BIGINT, today TEXT); \
                 INSERT INTO casewatch_bench VALUES ({SEED}, {}, '{TODAY}')",
                self.children
            ),
        )?;
        Ok(elapsed)
    }

    /// Rows the queries return (not timed).
    fn count_rows(&self, url: &str, queries: &[(Table, String)]) -> anyhow::Result<u64> {
        let mut rows = 0;
        for (_, query) in queries {
            let count = self.sql(url, &format!("SELECT count(*) FROM ({query}) AS q"))?;
            rows += count.trim().parse::<u64>().context("count(*)")?;
        }
        Ok(rows)
    }

    /// The database's own client handing the queries' rows to /dev/null.
    fn hand_over_command(&self, url: &str, queries: &[(Table, String)]) -> Command {
        match self.admin {
            Some(_) => {
                let mut psql = Command::new("psql");
                psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url]);
                for (_, query) in queries {
                    psql.args(["-c", &format!("COPY ({query}) TO STDOUT")]);
                }
                psql
            }
            None => {
                let mut sqlite3 = Command::new("sqlite3");
                sqlite3.arg(sqlite_path(url));
                for (_, query) in queries {
                    sqlite3.arg(format!("{query};"));
                }
                sqlite3
            }
        }
    }

    /// Runs SQL through the database's own client and returns what it prints.
    fn sql(&self, url: &str, sql: &str) -> anyhow::Result<String> {
        let output = match self.admin {
            Some(_) => Command::new("psql")
                .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
                .output(),
            None => Command::new("sqlite3")
                .arg(sqlite_path(url))
                .arg(sql)
                .output(),
        }
        .context("running psql or sqlite3 (install postgresql-client and sqlite3)")?;
        ensure!(
            output.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// The URL of database `name` on the server of the `--postgres` URL `admin`.
fn database_url(admin: &str, name: &str) -> anyhow::Result<String> {
    let (base, _) = admin
        .rsplit_once('/')
        .context("--postgres: expected a URL ending in /DATABASE")?;
    Ok(format!("{base}/{name}"))
}

fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite://")
}

fn config_text(url: &str, state: &str, packs: &[String]) -> String {
    let mut text = format!(
        "[source]\nurl = \"{url}\"\n[state]\nurl = \"{state}\"\n\
         [notify]\nfallback_address = \"ops@council.example\"\n"
    );
    if !packs.is_empty() {
        let quoted: Vec<String> = packs.iter().map(|p| format!("{p:?}")).collect();
        text.push_str(&format!("[rules]\npacks = [{}]\n", quoted.join(", ")));
    }
    text
}

/// Runs `command` with stdout to /dev/null; its wall time and peak RSS in KiB.
fn timed(mut command: Command) -> anyhow::Result<(Duration, i64)> {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 writes into the one we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waits for our own child; std never reaps it because we never call wait on `child`.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    ensure!(waited == pid, "wait4: {}", std::io::Error::last_os_error());
    ensure!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed (status {status})"
    );
    Ok((elapsed, usage.ru_maxrss))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn print_row(m: &Measured) {
    eprintln!(
        "{} {}{}: {} rows; evaluate {:.2} s ({:.0} rows/s), peak RSS {:.0} MB; hand-over {:.2} s; ratio {:.2}",
        m.backend,
        m.children,
        if m.packs.is_empty() {
            ""
        } else {
            " with packs"
        },
        m.rows,
        m.evaluate.as_secs_f64(),
        m.rows as f64 / m.evaluate.as_secs_f64(),
        m.peak_rss_mb,
        m.hand_over.as_secs_f64(),
        m.evaluate.as_secs_f64() / m.hand_over.as_secs_f64(),
    );
}

fn print_tick(bench: &Bench, t: &Ticked) {
    eprintln!(
        "{} {}: tick ({} pass) {:.2} s, peak RSS {:.0} MB; state {:.0} MB, {} notices, {} messages; \
         evaluate at the same instant {:.2} s",
        bench.backend,
        bench.children,
        t.pass,
        t.wall.as_secs_f64(),
        t.peak_rss_mb,
        t.state_mb,
        t.notices,
        t.messages,
        t.evaluate.as_secs_f64(),
    );
}

/// The service's pass: one row per pass.
fn tick_table(results: &[Measured]) -> String {
    let mut out = String::from(
        "| state | children | packs | pass | wall | peak RSS | state database | notices | messages | pass / evaluate |\n\
         |---|---:|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in results {
        for t in &m.ticks {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.2} s | {:.0} MB | {:.0} MB | {} | {} | {:.2} |\n",
                m.backend,
                m.children,
                if m.packs.is_empty() { "none" } else { &m.packs },
                t.pass,
                t.wall.as_secs_f64(),
                t.peak_rss_mb,
                t.state_mb,
                t.notices,
                t.messages,
                t.wall.as_secs_f64() / t.evaluate.as_secs_f64(),
            ));
        }
    }
    out
}

fn table(results: &[Measured]) -> String {
    let mut out = String::from(
        "| backend | children | packs | rows read | generate | evaluate | rows/s | µs per child | peak RSS | hand-over | evaluate / hand-over |\n\
         |---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in results {
        let evaluate = m.evaluate.as_secs_f64();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} s | {:.0} | {:.1} | {:.0} MB | {:.2} s | {:.2} |\n",
            m.backend,
            m.children,
            if m.packs.is_empty() { "none" } else { &m.packs },
            m.rows,
            m.generate.map_or("(reused)".to_owned(), |d| format!(
                "{:.0} s",
                d.as_secs_f64()
            )),
            evaluate,
            m.rows as f64 / evaluate,
            evaluate * 1e6 / m.children as f64,
            m.peak_rss_mb,
            m.hand_over.as_secs_f64(),
            evaluate / m.hand_over.as_secs_f64(),
        ));
    }
    if results.iter().any(|m| !m.ticks.is_empty()) {
        out.push_str(&format!(
            "\nThe service's pass (`casewatch tick --at {TICK_AT}`):\n\n"
        ));
        out.push_str(&tick_table(results));
    }
    out
}
