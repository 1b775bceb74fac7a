//! A throwaway PostgreSQL server, one per test binary, started on first use and gone when the binary exits.
//!
//! The server runs as a direct child of a thread that lives as long as the process, with
//! `PR_SET_PDEATHSIG = SIGKILL`: the kernel kills it if the test process dies in any way (the signal fires when
//! the spawning *thread* exits, hence the dedicated thread). On a normal exit an `atexit` hook stops it and
//! removes its directory.

use std::fs::{self, File};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sqlx::Connection;

pub struct Server {
    pub port: u16,
    /// The directory of the server's unix socket (`host=` for a socket connection).
    pub socket_dir: PathBuf,
    cluster: Cluster,
    running: Running,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// The server of this test binary, started by the first caller (the others wait for it).
pub fn server() -> &'static Server {
    match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    }
}

impl Server {
    /// A URL for `database` as the superuser `postgres` over TCP.
    pub fn url(&self, database: &str) -> String {
        url(self.port, database)
    }
}

fn url(port: u16, database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/{database}")
}

fn start() -> Result<Server, String> {
    let cluster = Cluster::init()?;
    let running = cluster.launch()?;
    unsafe { libc::atexit(stop_at_exit) };
    Ok(Server {
        port: cluster.port,
        socket_dir: cluster.socket_dir.clone(),
        cluster,
        running,
    })
}

/// A server of one test's own, which the test can stop and start again (same port, same data): for tests of
/// what casewatch does while its database is away. Killed and removed when dropped.
pub struct Dedicated {
    cluster: Cluster,
    running: Option<Running>,
}

impl Dedicated {
    pub fn start() -> Dedicated {
        let cluster = Cluster::init().unwrap_or_else(|e| panic!("{e}"));
        let running = cluster.launch().unwrap_or_else(|e| panic!("{e}"));
        Dedicated {
            cluster,
            running: Some(running),
        }
    }

    pub fn url(&self, database: &str) -> String {
        url(self.cluster.port, database)
    }

    /// Stops the server as an administrator would (fast shutdown: sessions are ended), and waits until it has.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop(libc::SIGINT);
        }
    }

    /// Starts it again on the same port and data, and waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.running.is_none(), "the server is running");
        self.running = Some(self.cluster.launch().unwrap_or_else(|e| panic!("{e}")));
    }
}

impl Drop for Dedicated {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop(libc::SIGQUIT);
        }
        let _ = fs::remove_dir_all(&self.cluster.root);
    }
}

/// An initialised data directory with its port, socket directory and log.
struct Cluster {
    port: u16,
    socket_dir: PathBuf,
    root: PathBuf,
    data: PathBuf,
    log: PathBuf,
    bin: PathBuf,
    owner: Option<(u32, u32)>,
}

/// A launched server process.
struct Running {
    pid: libc::pid_t,
    /// Set by the server's thread when the server exits.
    exited: Arc<Mutex<Option<String>>>,
}

impl Running {
    /// Signals the server and waits (bounded) until its thread has reaped it.
    fn stop(&self, signal: libc::c_int) {
        unsafe { libc::kill(self.pid, signal) };
        for _ in 0..3000 {
            if self
                .exited
                .lock()
                .map(|exited| exited.is_some())
                .unwrap_or(true)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("PostgreSQL (pid {}) did not stop within 60 s", self.pid);
    }
}

impl Cluster {
    fn init() -> Result<Cluster, String> {
        let bin = find_bin_dir().ok_or(
            "PostgreSQL server binaries not found: install the Debian package `postgresql` (apt-get install postgresql)",
        )?;
        remove_stale_roots();
        let root = tempfile::Builder::new()
            .prefix("casewatch-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?
            .keep();
        fs::write(root.join("owner.pid"), std::process::id().to_string())
            .map_err(|e| e.to_string())?;
        let (data, socket_dir, log) = (
            root.join("data"),
            root.join("socket"),
            root.join("server.log"),
        );
        // initdb and postgres refuse to run as root: run them as Debian's `postgres` user, who must reach the
        // directory (0755) and own the data and socket directories.
        let owner = if unsafe { libc::geteuid() } == 0 {
            Some(postgres_user()?)
        } else {
            None
        };
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
        for dir in [&data, &socket_dir] {
            fs::create_dir(dir).map_err(|e| e.to_string())?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| e.to_string())?;
            if let Some((uid, gid)) = owner {
                chown(dir, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", dir.display()))?;
            }
        }

        let mut initdb = Command::new(bin.join("initdb"));
        initdb.args([
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "-D",
        ]);
        initdb
            .arg(&data)
            .current_dir(&root)
            .stdout(log_file(&log)?)
            .stderr(log_file(&log)?);
        as_user(&mut initdb, owner);
        let status = initdb
            .status()
            .map_err(|e| format!("running initdb: {e}"))?;
        if !status.success() {
            return Err(format!("initdb failed ({status}):\n{}", log_tail(&log)));
        }
        Ok(Cluster {
            port: free_port()?,
            socket_dir,
            root,
            data,
            log,
            bin,
            owner,
        })
    }

    fn launch(&self) -> Result<Running, String> {
        let mut postgres = Command::new(self.bin.join("postgres"));
        postgres
            .arg("-D")
            .arg(&self.data)
            .arg("-k")
            .arg(&self.socket_dir)
            .args(["-p", &self.port.to_string()]);
        // Speed over durability: the cluster is thrown away with the process.
        for setting in [
            "listen_addresses=127.0.0.1",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=300",
            "shared_buffers=32MB",
        ] {
            postgres.args(["-c", setting]);
        }
        postgres
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(log_file(&self.log)?)
            .stderr(log_file(&self.log)?);
        as_user(&mut postgres, self.owner);
        let parent = unsafe { libc::getpid() };
        unsafe {
            // Runs after the uid change (a credential change clears PDEATHSIG, so the order matters).
            postgres.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0
                    || libc::getppid() != parent
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }

        let exited = Arc::new(Mutex::new(None));
        let (started, pid) = mpsc::channel();
        let on_exit = exited.clone();
        std::thread::Builder::new()
            .name("postgres-server".into())
            .spawn(move || match postgres.spawn() {
                Ok(mut child) => {
                    let _ = started.send(Ok(child.id() as libc::pid_t));
                    let status = child.wait();
                    *on_exit.lock().unwrap() = Some(format!("{status:?}"));
                }
                Err(error) => {
                    let _ = started.send(Err(format!("starting postgres: {error}")));
                }
            })
            .map_err(|e| e.to_string())?;
        let pid = pid.recv().map_err(|e| e.to_string())??;
        let running = Running { pid, exited };
        wait_until_ready(self.port, &running.exited, &self.log)?;
        Ok(running)
    }
}

/// Connects until the server answers (bounded), on a scratch thread: callers may be inside a tokio runtime.
fn wait_until_ready(
    port: u16,
    exited: &Arc<Mutex<Option<String>>>,
    log: &Path,
) -> Result<(), String> {
    let url = url(port, "postgres");
    let exited_now = exited.clone();
    let ready = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut last_error = String::new();
            for _ in 0..400 {
                if exited_now.lock().unwrap().is_some() {
                    break;
                }
                match sqlx::PgConnection::connect(&url).await {
                    Ok(connection) => return connection.close().await.map_err(|e| e.to_string()),
                    Err(error) => last_error = error.to_string(),
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(last_error)
        })
    });
    let result = ready
        .join()
        .map_err(|_| "readiness check panicked".to_owned())?;
    result.map_err(|error| {
        let exited = exited
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| "still running".into());
        format!(
            "PostgreSQL did not become ready ({error}; server {exited}); log tail:\n{}",
            log_tail(log)
        )
    })
}

extern "C" fn stop_at_exit() {
    let Some(Ok(server)) = SERVER.get() else {
        return;
    };
    // The server's thread reaps it; wait (bounded) so its files are closed before they are removed.
    server.running.stop(libc::SIGQUIT);
    let _ = fs::remove_dir_all(&server.cluster.root);
}

/// Removes the directories of servers whose test process died without its `atexit` (e.g. SIGKILL); the
/// kernel has already killed those servers.
fn remove_stale_roots() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        let ours = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("casewatch-pg-"));
        let owner = fs::read_to_string(path.join("owner.pid")).ok();
        let Some(owner) = owner.and_then(|pid| pid.trim().parse::<libc::pid_t>().ok()) else {
            continue;
        };
        let owner_gone = unsafe { libc::kill(owner, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if ours && owner_gone {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`, else `PATH`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success());
    let from_pg_config =
        from_pg_config.map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            Some((
                entry.file_name().to_str()?.parse().ok()?,
                entry.path().join("bin"),
            ))
        })
        .collect();
    versions.sort();
    let newest = versions.into_iter().rev().map(|(_, dir)| dir);
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    from_pg_config
        .into_iter()
        .chain(newest)
        .chain(on_path)
        .find(|dir| has_server(dir))
}

fn postgres_user() -> Result<(u32, u32), String> {
    let entry = unsafe { libc::getpwnam(c"postgres".as_ptr()) };
    if entry.is_null() {
        return Err("running as root, so PostgreSQL must run as the `postgres` system user, which does not exist: \
                    install the Debian package `postgresql` (apt-get install postgresql)"
            .into());
    }
    Ok(unsafe { ((*entry).pw_uid, (*entry).pw_gid) })
}

fn as_user(command: &mut Command, owner: Option<(u32, u32)>) {
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid).env("HOME", "/tmp");
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn log_file(path: &Path) -> Result<File, String> {
    File::options()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn log_tail(path: &Path) -> String {
    let log = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
