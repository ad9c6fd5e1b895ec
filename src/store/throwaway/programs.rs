//! Finding and running the PostgreSQL server programs for a throwaway cluster: which bin dir,
//! and as which user (the server refuses root).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::{setup_failed, ThrowawayError, BIN_DIR_ENV, SUPERUSER};

/// Where Debian's `postgresql-<version>` packages put their server binaries.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
/// The programs a bin dir must hold to be used.
const PROGRAMS: [&str; 2] = ["initdb", "postgres"];

/// How to run the server programs: from which bin dir, and as which user.
pub(super) struct Programs {
    bin: PathBuf,
    /// The `postgres` user, when this process is root; `None` runs the programs as ourselves.
    pub(super) user: Option<ServerUser>,
}

#[derive(Clone, Copy)]
pub(super) struct ServerUser {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl Programs {
    pub(super) async fn find() -> Result<Programs, ThrowawayError> {
        let bin = find_bin_dir(std::env::var_os(BIN_DIR_ENV).map(PathBuf::from), Path::new(DEBIAN_ROOT))?;
        if id(&["-u"]).await != Some(0) {
            return Ok(Programs { bin, user: None });
        }
        match (id(&["-u", SUPERUSER]).await, id(&["-g", SUPERUSER]).await) {
            (Some(uid), Some(gid)) => Ok(Programs { bin, user: Some(ServerUser { uid, gid }) }),
            _ => Err(ThrowawayError::NoServerUser),
        }
    }

    /// The argv that runs `program` from the bin dir, as the server user when there is one.
    fn argv(&self, program: &str) -> Vec<OsString> {
        let mut argv: Vec<OsString> = Vec::new();
        if let Some(user) = self.user {
            argv.push("setpriv".into());
            argv.push(format!("--reuid={}", user.uid).into());
            argv.push(format!("--regid={}", user.gid).into());
            argv.extend(["--clear-groups".into(), "--".into()]);
        }
        argv.push(self.bin.join(program).into());
        argv
    }

    /// Creates the cluster in `dir/data`, fast and unsafe: trust auth, no fsync.
    pub(super) async fn initdb(&self, dir: &Path) -> Result<(), ThrowawayError> {
        let argv = self.argv("initdb");
        let output = tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .arg("-D")
            .arg(dir.join("data"))
            .args(["--auth=trust", "--no-sync", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(setup_failed(&format!("run {}", self.bin.join("initdb").display())))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(ThrowawayError::Initdb { status: output.status.to_string(), stderr })
    }

    /// The server on 127.0.0.1:`port` with its socket in `dir`, durability off.
    pub(super) fn server_argv(&self, dir: &Path, port: u16) -> Vec<OsString> {
        let mut argv = self.argv("postgres");
        argv.extend(["-D".into(), dir.join("data").into(), "-k".into(), dir.into()]);
        argv.extend(["-p".into(), port.to_string().into()]);
        for setting in [
            "listen_addresses=127.0.0.1",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            // Parallel tests each hold a pool; the default 100 runs out.
            "max_connections=300",
        ] {
            argv.extend(["-c".into(), setting.into()]);
        }
        argv
    }
}

/// `id ARGS` as a number, or `None` when it fails (an unknown user).
async fn id(args: &[&str]) -> Option<u32> {
    let output = tokio::process::Command::new("id").args(args).stderr(Stdio::null()).output().await.ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// The bin dir to use: `overridden` when given (no fallback, so a typo is not hidden), else the
/// newest version under `debian_root` that has the server programs.
fn find_bin_dir(overridden: Option<PathBuf>, debian_root: &Path) -> Result<PathBuf, ThrowawayError> {
    if let Some(bin) = overridden {
        if has_programs(&bin) {
            return Ok(bin);
        }
        return Err(ThrowawayError::BinariesMissing {
            looked_in: format!("{}, named by {BIN_DIR_ENV}", bin.display()),
        });
    }
    let versions = std::fs::read_dir(debian_root).into_iter().flatten().flatten();
    let usable = versions
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|version| has_programs(&debian_root.join(version).join("bin")));
    match newest(usable) {
        Some(version) => Ok(debian_root.join(version).join("bin")),
        None => Err(ThrowawayError::BinariesMissing { looked_in: format!("{}/*/bin", debian_root.display()) }),
    }
}

fn has_programs(bin: &Path) -> bool {
    PROGRAMS.iter().all(|program| bin.join(program).is_file())
}

/// The highest of Debian's version directory names ("9.6" < "15" < "17"); others are skipped.
fn newest(versions: impl Iterator<Item = String>) -> Option<String> {
    let numeric = |version: &String| version.split('.').map(str::parse::<u32>).collect::<Result<Vec<_>, _>>().ok();
    versions.filter_map(|version| Some((numeric(&version)?, version))).max().map(|(_, version)| version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_numeric_version_wins() {
        let versions = ["9.6", "15", "13", "notes", "10.1"].map(String::from);
        assert_eq!(newest(versions.into_iter()), Some("15".to_owned()));
        assert_eq!(newest(std::iter::empty()), None);
    }

    #[test]
    fn the_newest_version_with_the_server_programs_is_chosen() {
        let root = tempfile::tempdir().expect("tempdir");
        for (version, programs) in [("13", &PROGRAMS[..]), ("15", &PROGRAMS[..]), ("16", &["initdb"][..])] {
            let bin = root.path().join(version).join("bin");
            std::fs::create_dir_all(&bin).expect("bin dir");
            for program in programs {
                std::fs::write(bin.join(program), "").expect("program");
            }
        }
        assert_eq!(find_bin_dir(None, root.path()).expect("found"), root.path().join("15/bin"));
        let overridden = root.path().join("13/bin");
        assert_eq!(find_bin_dir(Some(overridden.clone()), root.path()).expect("found"), overridden);
    }

    #[test]
    fn missing_binaries_fail_loudly_with_the_fix() {
        let empty = tempfile::tempdir().expect("tempdir");
        for overridden in [None, Some(empty.path().join("bin"))] {
            let message = find_bin_dir(overridden, empty.path()).expect_err("nothing to find").to_string();
            assert!(
                message.starts_with("PostgreSQL server binaries not found: install the postgresql package"),
                "{message}"
            );
            assert!(message.contains("WELLVISOR_PG_BIN"), "{message}");
        }
    }
}
