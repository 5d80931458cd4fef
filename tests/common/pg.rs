//! A throw-away PostgreSQL 15 + PostGIS 3 cluster for the PostGIS store's tests (Debian's
//! postgresql-15-postgis-3): `initdb` into a temporary folder, `pg_ctl start` on a free
//! loopback port, a database per test. As root (CI), the cluster runs as the `postgres`
//! user through `runuser`. A watchdog shell stops the cluster when the test binary exits
//! (its standard input, a pipe from this process, closes), so that no server outlives the
//! tests even when a test panics or the binary is killed.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const PGBIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster.
pub struct Cluster {
    /// Its data folder.
    pub dir: PathBuf,
    /// Its loopback port.
    pub port: u16,
    watchdog: Child,
}

fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the cluster's owner.
fn pg_command(program: &str) -> Command {
    let path = format!("{PGBIN}/{program}");
    if as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(path)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    /// Creates and starts a new cluster.
    pub fn start() -> Cluster {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "drainplan-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if as_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown postgres {}", dir.display());
        }
        let out = pg_command("initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        // The watchdog: when this process's end of the pipe closes, stop the cluster.
        let stop = if as_root() {
            format!(
                "runuser -u postgres -- {PGBIN}/pg_ctl -D '{}' -m immediate stop",
                dir.display()
            )
        } else {
            format!("{PGBIN}/pg_ctl -D '{}' -m immediate stop", dir.display())
        };
        let watchdog = Command::new("sh")
            .args([
                "-c",
                &format!(
                    "cat >/dev/null; {stop} >/dev/null 2>&1; rm -rf '{}'",
                    dir.display()
                ),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let c = Cluster {
            dir,
            port,
            watchdog,
        };
        c.start_server();
        c
    }

    /// Starts the server (again).
    pub fn start_server(&self) {
        let out = pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "30", "start", "-o"])
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c jit=off -c max_connections=200",
                self.port,
                self.dir.display()
            ))
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server at once (as a crash or a lost network would look to a client).
    pub fn stop_server(&self) {
        let out = pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The connection string of database `db`, as `user`.
    pub fn url_as(&self, user: &str, db: &str) -> String {
        format!("postgresql://{user}@127.0.0.1:{}/{db}", self.port)
    }

    /// The connection string of database `db` as the superuser.
    pub fn url(&self, db: &str) -> String {
        self.url_as("postgres", db)
    }

    /// A new, empty database named `db`; returns its connection string.
    pub fn database(&self, db: &str) -> String {
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
            .unwrap();
        c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
        self.url(db)
    }

    /// A client on database `db` as `user`.
    pub fn client(&self, user: &str, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url_as(user, db), postgres::NoTls).unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Closing the pipe lets the watchdog stop the cluster and remove its folder.
        drop(self.watchdog.stdin.take());
        let _ = self.watchdog.wait();
    }
}

/// The cluster the tests of this binary share (each in its own database).
pub fn shared() -> &'static Cluster {
    static CLUSTER: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}
