//! The `zk` command: a script-friendly ZooKeeper client (one command per run, plain output,
//! exit codes that tell failures apart).
// A command-line tool: results go to stdout, errors to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

mod admin;
mod connect;
mod elect;
mod exit;
mod export;
mod format;
mod import;
mod interrupt;
mod lock;
mod log;
mod nodes;
mod progress;
mod reconfig;
mod sasl;
mod services;
mod snapshot;
mod spool;
mod stdin;
mod tree;
mod treedoc;
mod watch;
mod watch_tree;

use exit::Failure;

const AFTER_HELP: &str = "\
Exit codes:
   0  success
   1  `exists`: the node does not exist; `log`/`snapshot`: the file is damaged (what could
      be read is printed); any other error not listed here (but for `exists`: 9)
   2  usage: bad arguments (no --server for a command that connects), invalid path, ACL
      or connect string
   3  no such node (NONODE)
   4  the node already exists (NODEEXISTS)
   5  version mismatch (BADVERSION; for `setacl -v`, the ACL version)
   6  the node has children (NOTEMPTY)
   7  not authorized (NOAUTH), authentication failed (--auth, or --sasl: credentials the
      server refused, no or an expired Kerberos ticket, a server principal the KDC does not
      know), or the server requires it
   9  `exists`: an error not listed here (1 only ever means no such node for `exists`)
  10  connection failure: no server answered within --timeout (-v shows each attempt), the
      servers are not ZooKeeper, or the connection was lost
  11  the session expired
  12  TLS failure: the server's certificate was refused (unknown issuer, expired, wrong
      host), the server refused ours or wants one, TLS spoken to a plaintext port or
      plaintext to a TLS port, or a --tls-* file is unusable
  13  `lock --timeout`, `elect --timeout`: the lock or leadership was not acquired in time
  14  `lock`, `elect`: the lock or leadership may have been lost (the command got SIGTERM)
  15  `ruok`/`srvr`/`mntr`: the server does not allow the word (4lw.commands.whitelist)
  16  `srvr`/`mntr`: the server runs but does not serve requests (no quorum)
  17  --read-only: a write sent to a read-only server (NOTREADONLY)
  20  `reconfig`: refused: reconfiguration disabled (reconfigEnabled=false), or no quorum of
      the new configuration connected and in sync with the leader (NEWCONFIGNOQUORUM)
  21  `reconfig`: another reconfiguration is in progress (try again)
 126, 127  `lock`, `elect`: the command could not be run, or was not found
  `lock`/`elect -- COMMAND` otherwise exit with the command's code (128 + N if killed by
  signal N)
  `lock`/`elect` given SIGINT, SIGTERM or SIGHUP (signal N) stop the command (SIGTERM, then
  SIGKILL after 10 s or a second signal), let the lock or leadership go and exit with
  128 + N, or 0 when holding without a command

Examples:
  zk --server 127.0.0.1:2181 create /app '{\"port\":8080}'
  zk --server 127.0.0.1:2181/app create -s -e /workers/w-   # prints /workers/w-0000000003
  echo -n v2 | zk --server zk1,zk2,zk3 set /app/config - -v 4
  zk --server 127.0.0.1:2181 get /app/config > config.json
  zk --server 127.0.0.1:2181 ls /app
  zk --server 127.0.0.1:2181 ls -R /app              # every path of the tree, sorted
  zk --server 127.0.0.1:2181 create -p /app/a/b/c x  # with missing parents
  zk --server 127.0.0.1:2181 setacl -R /app world:anyone:r ip:10.0.0.1:cdrwa
  zk --server zk1,zk2,zk3 --read-only get /app/config   # also from a server without quorum
  zk --server 127.0.0.1:2181 stat /app | jq .numChildren
  zk --server 127.0.0.1:2181 exists /app/lock && echo locked
  zk --server 127.0.0.1:2181 rm -r /app
  zk --server 127.0.0.1:2181 export /app > app.json          # data, ACLs, modes as JSON
  zk --server zk9:2181 import app.json /app                  # refuses to overwrite
  zk --server zk1 --auth digest:super:secret reconfig --add 'server.4=zk4:2888:3888;2181'
  zk --server zk1 --auth digest:super:secret reconfig --remove 4 --from-version 100000003
  zk --server 127.0.0.1:2181 watch --recursive --count 10 /app
  zk --server 127.0.0.1:2181 watch --tree /app/config
  zk --server 127.0.0.1:2181 lock --timeout 30s /app/locks/backup -- ./backup.sh
  zk --server 127.0.0.1:2181 elect /app/scheduler node-3 -- ./scheduler
  zk --server 127.0.0.1:2181 elect --listen /app/scheduler
  zk --server 127.0.0.1:2181 services api | jq -r '.[].address'   # Curator's x-discovery
  zk --server 127.0.0.1:2181 --auth digest:alice:secret create --acl auth::cdrwa /private x
  zk --server 127.0.0.1:2181 --auth digest:alice:secret acl /private
  ZK_SERVER=127.0.0.1:2181 zk whoami
  zk --server zk1,zk2,zk3 srvr | jq -r '.server + \" \" + .mode'   # who leads
  zk --server zk1 mntr | jq .zk_znode_count
  zk -v --server zk1,zk2 ls /          # log each connection attempt on stderr
  zk --server zk1:2281 --tls-ca ca.pem --tls-cert me.pem --tls-key me-key.pem whoami
  ZK_SASL_PASSWORD=secret zk --server zk1 --sasl digest-md5:alice whoami
  zk --server zk1 --sasl digest-md5:alice --sasl-password-file alice.pw ls /
  kinit alice && zk --server zk1.example.com --sasl gssapi whoami   # zookeeper/zk1.example.com
  zk completions bash > ~/.local/share/bash-completion/completions/zk
  zk log /var/lib/zookeeper/version-2/log.100000001 | jq 'select(.op == \"create\")'
  zk snapshot /var/lib/zookeeper/version-2/snapshot.100000005 --data utf8

The connect string is `host[:port][,host[:port]...][/chroot]`; paths are relative to the
chroot. Data given as `-` is read from stdin, and so is `import`'s FILE or a
--sasl-password-file, --tls-ca, --tls-cert or --tls-key given as `-` (one per run). A reader that closes stdout early ends
the command quietly with 0. Ephemeral nodes live as long as the session,
which ends when the command exits. With --tls-ca (or --tls-platform-roots) every server is
spoken to over TLS (its secureClientPort), never plaintext; certificates are checked against
the CAs and the host.";

/// A script-friendly Apache ZooKeeper client.
#[derive(Debug, Parser)]
#[command(name = "zk", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options for every command: where to connect and how.
#[derive(Debug, Args)]
#[group(id = "tls_roots", multiple = true)]
pub(crate) struct Global {
    /// Connect string: `host[:port],...[/chroot]` (required by every command but
    /// `completions`, `log` and `snapshot`).
    #[arg(short = 'z', long, env = "ZK_SERVER", value_name = "CONNECT_STRING")]
    pub(crate) server: Option<String>,
    /// Credentials to add to the session, e.g. `digest:user:password` (repeatable).
    #[arg(long, value_name = "SCHEME:CREDENTIALS")]
    pub(crate) auth: Vec<String>,
    /// Authenticate with SASL on every connection: `digest-md5:USER` (the server's JAAS
    /// `DigestLoginModule` users; the password comes from --sasl-password-file or the
    /// environment variable ZK_SASL_PASSWORD, never from the command line), or `gssapi`
    /// (Kerberos with the ticket cache's credentials, `kinit`; KRB5CCNAME and KRB5_CONFIG
    /// apply; the server principal is `zookeeper/HOST`).
    #[arg(long, value_name = "digest-md5:USER|gssapi")]
    pub(crate) sasl: Option<String>,
    /// The file holding the --sasl password (one trailing line break is ignored; `-`:
    /// stdin).
    #[arg(long, value_name = "FILE", requires = "sasl")]
    pub(crate) sasl_password_file: Option<PathBuf>,
    /// With --sasl gssapi: the service part of the server principal, `NAME/HOST` (default
    /// `zookeeper`, as ZooKeeper's zookeeper.sasl.client.username).
    #[arg(long, value_name = "NAME", requires = "sasl")]
    pub(crate) sasl_service: Option<String>,
    /// How long to wait for a connection, and for each reply: `5s`, `500ms`, `2` (seconds).
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) timeout: Duration,
    /// The session timeout to ask the server for.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) session_timeout: Duration,
    /// Log what the client does on stderr: connection attempts and why they fail (`-vv`:
    /// more). `RUST_LOG` (e.g. `RUST_LOG=zk_client=debug`) takes precedence.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Speak TLS to every server, trusting the CA certificates of this PEM file (repeatable;
    /// `-`: stdin).
    #[arg(long, value_name = "FILE", group = "tls_roots")]
    pub(crate) tls_ca: Vec<PathBuf>,
    /// Speak TLS to every server, trusting the platform's CA certificates (the system's
    /// bundle; SSL_CERT_FILE or SSL_CERT_DIR override where it is), with any --tls-ca.
    #[arg(long, group = "tls_roots")]
    pub(crate) tls_platform_roots: bool,
    /// Present this client certificate (PEM, chain first to last) for mutual TLS; with
    /// --tls-key (`-`: stdin).
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "tls_roots"])]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1); with --tls-cert
    /// (`-`: stdin).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Accept a read-only server (one cut off from its quorum, `readonlymode.enabled`):
    /// reads work, writes fail with exit 17.
    #[arg(long)]
    pub(crate) read_only: bool,
    /// Dangerous: accept a server certificate that does not name the host connected to
    /// (it must still be signed by the CA and in date).
    #[arg(long, requires = "tls_roots")]
    pub(crate) tls_no_hostname_check: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a node and print its path (with the sequence number for -s; -p: parents too).
    Create(nodes::CreateArgs),
    /// Print the node's data, raw, to stdout (-s: data and stat as JSON).
    Get(nodes::GetArgs),
    /// Replace the node's data.
    Set(nodes::SetArgs),
    /// List the node's children, one per line (sorted); -R: the whole tree's paths; -s: the
    /// children and the stat as JSON.
    Ls(tree::LsArgs),
    /// Print the node's stat as JSON (Jute field names: czxid, ephemeralOwner, ...).
    Stat(nodes::PathArg),
    /// Delete a node (-r: with all its descendants).
    Rm(nodes::RmArgs),
    /// Exit 0 if the node exists, 1 if not (prints nothing).
    Exists(nodes::PathArg),
    /// Print one JSON line per watch event: {"type", "state", "path"}.
    Watch(watch::WatchArgs),
    /// Print the node's ACL, one `PERMS SCHEME:ID` per line (PERMS: letters of `cdrwa`).
    Acl(nodes::PathArg),
    /// Replace the node's ACL (-R: its descendants' too).
    Setacl(tree::SetAclArgs),
    /// Print the identities of this session as JSON.
    Whoami,
    /// Take a lock (Curator's InterProcessMutex layout, or kazoo's) and run a command while
    /// holding it; without a command, print the lock node and hold it until interrupted.
    Lock(lock::LockArgs),
    /// Join a leader election (Curator's LeaderLatch layout) and run a command while leading;
    /// --listen prints each change of leader as a JSON line.
    Elect(elect::ElectArgs),
    /// Print the service instances registered in Curator's x-discovery layout
    /// (`<base>/<service>/<id>`) as JSON: one service's as an array, or all by name.
    Services(services::ServicesArgs),
    /// Print the ensemble configuration as JSON: version, members (id, role, quorum
    /// addresses, client address); read outside any chroot.
    Config {
        /// Print it as the server holds it (`server.N=...` lines, `version=...`).
        #[arg(long)]
        raw: bool,
    },
    /// Change the ensemble's membership (incremental --add/--remove, or the whole new
    /// --members/--file) and print the new configuration as `config` does. The session needs
    /// the right to write /zookeeper/config (e.g. --auth digest:super:PASSWORD).
    Reconfig(reconfig::ReconfigArgs),
    /// Write a subtree (data, ACLs, modes; no ephemeral nodes) as one JSON document.
    Export(export::ExportArgs),
    /// Create the subtree of an `export` document under PATH, in multi transactions;
    /// refuses if any node exists unless --overwrite.
    Import(import::ImportArgs),
    /// Wait until the server has caught up with the leader for the path (`sync`).
    Sync(nodes::PathArg),
    /// Print the number of the node's descendants, itself not counted.
    Count(nodes::PathArg),
    /// Ask each server `ruok` (no session): prints `SERVER imok` per server.
    Ruok,
    /// Ask each server `srvr` (no session): one JSON object per line (version, latencies,
    /// connections, zxid, mode, nodeCount).
    Srvr,
    /// Ask each server `mntr` (no session): one JSON object of metrics per line.
    Mntr,
    /// Print a ZooKeeper transaction log (`version-2/log.*`) as JSON lines (offline: no
    /// server needed).
    Log(log::Args),
    /// Print a ZooKeeper snapshot (`version-2/snapshot.*`, plain, gzip or snappy) as JSON
    /// lines (offline: no server needed).
    Snapshot(snapshot::Args),
    /// Print the shell completion script for `zk` (no server needed), e.g.
    /// `zk completions bash > /etc/bash_completion.d/zk`.
    Completions {
        /// The shell.
        shell: Shell,
    },
}

/// The shells `zk completions` writes scripts for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}

impl Global {
    /// The connect string; a usage error without --server or ZK_SERVER.
    pub(crate) fn server(&self) -> Result<&str, Failure> {
        self.server
            .as_deref()
            .ok_or_else(|| Failure::usage("--server (or ZK_SERVER) is required"))
    }
}

/// Writes the completion script for `shell` to stdout.
fn completions(shell: Shell) -> Result<u8, Failure> {
    use clap::CommandFactory;
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "zk", &mut script);
    format::write_stdout(&script)?;
    Ok(exit::OK)
}

/// Parses `500ms`, `5s`, `2m` or a bare number of seconds (`1.5`).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("expected a duration like 500ms, 5s or 2m, found {s:?}"))?;
    let secs = value * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!(
            "the duration must be positive and at most a day, found {s:?}"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Sends the client's `tracing` events to stderr when `-v` or `RUST_LOG` asks for them.
fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var(EnvFilter::DEFAULT_ENV) {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ if verbose == 0 => return,
        _ if verbose == 1 => EnvFilter::new("zk_client=info"),
        _ => EnvFilter::new("zk_client=debug"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zk: cannot start the async runtime: {e}");
            return ExitCode::from(exit::GENERIC);
        }
    };
    let exists = matches!(cli.command, Command::Exists(_));
    let result = runtime.block_on(run(cli));
    // Without waiting for blocking calls still running: a Kerberos call to a KDC that never
    // answers outlives the timeout that gave up on it, and must not hold the exit.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Quiet(code)) => ExitCode::from(code),
        Err(Failure::Message(code, message)) => {
            let code = if exists { exit::for_exists(code) } else { code };
            eprintln!("zk: {message}");
            ExitCode::from(code)
        }
    }
}

/// Runs one command; `Ok` carries the exit code (0, or 1 for `exists` on a missing node).
async fn run(cli: Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Completions { shell } => return completions(*shell),
        Command::Log(args) => return log::run(args),
        Command::Snapshot(args) => return snapshot::run(args),
        _ => {}
    }
    // Every other command connects: no stdin is read without somewhere to send it.
    cli.global.server()?;
    // The command's own argument read from stdin, by the name the message gives it.
    let argument_on_stdin = match &cli.command {
        Command::Create(a) => (a.data.as_deref() == Some("-")).then_some("DATA"),
        Command::Set(a) => (a.data == "-").then_some("DATA"),
        Command::Import(a) => (a.file == "-").then_some("FILE"),
        _ => None,
    };
    stdin::check_single_use(&cli.global, argument_on_stdin)?;
    // Read stdin before connecting: a slow producer must not eat into the session.
    let stdin_data = match &cli.command {
        Command::Create(a) => nodes::read_data(a.data.as_deref())?,
        Command::Set(a) => nodes::read_data(Some(&a.data))?,
        _ => Vec::new(),
    };
    let reconfig = match &cli.command {
        Command::Reconfig(a) => Some(reconfig::change(a)?),
        _ => None,
    };
    let document = match &cli.command {
        Command::Import(a) => import::read_document(&a.file)?,
        _ => Vec::new(),
    };
    let word = match cli.command {
        Command::Ruok => Some(admin::Word::Ruok),
        Command::Srvr => Some(admin::Word::Srvr),
        Command::Mntr => Some(admin::Word::Mntr),
        _ => None,
    };
    if let Some(word) = word {
        return admin::run(&cli.global, word).await;
    }
    let session = connect::Session::open(&cli.global).await?;
    let result = match cli.command {
        Command::Create(a) => nodes::create(&session, &a, stdin_data).await,
        Command::Get(a) => nodes::get(&session, &a).await,
        Command::Config { raw } => nodes::config(&session, raw).await,
        // The change was built before connecting, for every `reconfig`.
        Command::Reconfig(a) => match &reconfig {
            Some(change) => reconfig::run(&session, &a, change).await,
            None => Ok(exit::OK),
        },
        Command::Export(a) => export::run(&session, &a).await,
        Command::Import(a) => import::run(&session, &a, document).await,
        Command::Sync(a) => nodes::sync(&session, &a.path).await,
        Command::Count(a) => nodes::count(&session, &a.path).await,
        Command::Set(a) => nodes::set(&session, &a, stdin_data).await,
        Command::Ls(a) => tree::ls(&session, &a).await,
        Command::Stat(a) => nodes::stat(&session, &a.path).await,
        Command::Rm(a) => nodes::rm(&session, &a).await,
        Command::Exists(a) => nodes::exists(&session, &a.path).await,
        Command::Watch(a) => watch::run(&session, &a).await,
        Command::Acl(a) => nodes::acl(&session, &a.path).await,
        Command::Setacl(a) => tree::setacl(&session, &a).await,
        Command::Whoami => nodes::whoami(&session).await,
        Command::Lock(a) => lock::run(&session, &a).await,
        Command::Elect(a) => elect::run(&session, &a).await,
        Command::Services(a) => services::run(&session, &a).await,
        // Answered above, without a session.
        Command::Ruok
        | Command::Srvr
        | Command::Mntr
        | Command::Log(_)
        | Command::Snapshot(_)
        | Command::Completions { .. } => Ok(exit::OK),
    };
    session.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["", "s", "-1s", "0", "NaN", "1h", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod cli_tests;
