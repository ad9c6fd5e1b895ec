//! The simulator's error type: what `start`, the scenario loader and the control calls report.

use std::net::SocketAddr;

/// Why the simulator could not start, load a scenario, or act on a well.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A listener could not be bound; the address names the port.
    #[error("cannot bind {addr}: {source}{hint}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
        /// Extra advice, e.g. to raise `ulimit -n` when the process ran out of file descriptors.
        hint: &'static str,
    },
    /// The configuration cannot describe a fleet (no wells, ports past 65535, ...).
    #[error("simulator configuration: {0}")]
    Config(String),
    /// A scenario file that cannot be used: the file, the entry and the problem.
    #[error("{file}: {entry}: {problem}")]
    Scenario { file: String, entry: String, problem: String },
    /// No simulated well has this id or number.
    #[error("unknown well {0:?}: use an id like \"W-003\" or a number from 1")]
    UnknownWell(String),
    /// No run of free consecutive ports was found.
    #[error("no {count} consecutive free ports found on loopback")]
    NoFreePorts { count: usize },
}

impl SimError {
    /// A bind failure, with a hint when the cause is the open-file limit.
    pub(crate) fn bind(addr: SocketAddr, source: std::io::Error) -> SimError {
        // EMFILE (24) / ENFILE (23) on Linux and the BSDs.
        let out_of_files = matches!(source.raw_os_error(), Some(23 | 24));
        let hint = if out_of_files { " (raise the open-file limit: ulimit -n)" } else { "" };
        SimError::Bind { addr, source, hint }
    }
}
