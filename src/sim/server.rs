//! The Modbus TCP server: one accept loop per listener, one task per connection, faults applied
//! per request. Written on tokio directly (not tokio-modbus's server) so every fault, down to a
//! half-sent frame, is under the simulator's control.
//!
//! Trouble on a connection never bubbles up: the task logs at debug level and closes.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, warn};

use super::fault::CommsFault;
use super::fleet::Fleet;
use super::frame::{self, exception, Header, Pdu, Request, MAX_FRAME_LEN, MAX_READ_COUNT};
use super::noise::well_key;

/// How long a gateway waits for a silent unit before answering exception 0x0B.
pub const GATEWAY_SILENT_REPLY_DELAY: Duration = Duration::from_millis(250);
/// Room for one partial frame plus a whole one: the input buffer never needs to grow.
const INPUT_CAPACITY: usize = 2 * MAX_FRAME_LEN;
/// Pause after a failed accept (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Which wells a listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// One well, by index, answering its unit id (and the TCP wildcards 0 and 255).
    Well(usize),
    /// Every well, unit id `i + 1` for well `i`.
    Gateway,
}

/// Resolves once shutdown is requested, or once the handle that could request it is gone.
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Accepts connections until shutdown, then waits for every connection task to close its socket.
pub(crate) async fn serve_listener(
    listener: TcpListener,
    route: Route,
    fleet: Arc<Fleet>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = stopped(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        match accepted {
            Ok((stream, _)) => {
                // A dropping well refuses in the way a TCP server can: accept, then close at once.
                if matches!(route, Route::Well(index) if fleet.fault(index) == CommsFault::Drop) {
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let connection = Connection::new(stream, route, Arc::clone(&fleet));
                connections.spawn(connection.serve(shutdown.clone()));
            }
            Err(error) => {
                warn!(%error, "simulator accept failed");
                tokio::select! {
                    () = stopped(&mut shutdown) => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// What to do with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    /// Answer from well `index`'s registers.
    Answer(usize),
    Exception(u8),
    /// Read the request and say nothing.
    Ignore,
    Close,
    Garbage(usize),
}

/// A [`Reply`] and how long to wait before sending it.
type Plan = (Duration, Reply);

struct Connection {
    stream: TcpStream,
    route: Route,
    fleet: Arc<Fleet>,
    input: [u8; INPUT_CAPACITY],
    filled: usize,
    output: Vec<u8>,
}

impl Connection {
    fn new(stream: TcpStream, route: Route, fleet: Arc<Fleet>) -> Connection {
        let output = Vec::with_capacity(MAX_FRAME_LEN);
        Connection { stream, route, fleet, input: [0; INPUT_CAPACITY], filled: 0, output }
    }

    /// Serves until the client leaves, a fault closes the link, or shutdown; then the socket
    /// closes as `self` drops.
    async fn serve(mut self, mut shutdown: watch::Receiver<bool>) {
        let route = self.route;
        tokio::select! {
            () = stopped(&mut shutdown) => {}
            outcome = self.run() => {
                if let Err(error) = outcome {
                    debug!(%error, ?route, "simulator connection closed");
                }
            }
        }
    }

    async fn run(&mut self) -> io::Result<()> {
        loop {
            while let Some((request, used)) = self.next_request()? {
                self.input.copy_within(used..self.filled, 0);
                self.filled -= used;
                if !self.respond(request).await? {
                    return Ok(());
                }
            }
            let read = self.stream.read(&mut self.input[self.filled..]).await?;
            if read == 0 {
                return Ok(());
            }
            self.filled += read;
        }
    }

    fn next_request(&self) -> io::Result<Option<(Request, usize)>> {
        frame::parse(&self.input[..self.filled]).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Carries out the plan for one request; `false` means close the connection.
    async fn respond(&mut self, request: Request) -> io::Result<bool> {
        let (delay, reply) = self.plan(request.header);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.output.clear();
        match reply {
            Reply::Ignore => return Ok(true),
            Reply::Close => return Ok(false),
            Reply::Answer(index) => self.answer(index, request),
            Reply::Exception(code) => {
                frame::write_exception(&mut self.output, request.header, request.pdu.function(), code)
            }
            Reply::Garbage(index) => {
                let seed = well_key(self.fleet.seed(), index) ^ u64::from(request.header.transaction);
                frame::write_garbage(&mut self.output, &mut SmallRng::seed_from_u64(seed));
            }
        }
        self.stream.write_all(&self.output).await?;
        Ok(true)
    }

    /// Decides the reply from the addressed well's fault, checked afresh for every request.
    fn plan(&self, header: Header) -> Plan {
        let now = Duration::ZERO;
        let Some(index) = self.target(header.unit) else {
            return (now, Reply::Exception(exception::GATEWAY_TARGET_FAILED));
        };
        match (self.fleet.fault(index), self.route) {
            (CommsFault::None, _) => (now, Reply::Answer(index)),
            (CommsFault::Silent, Route::Gateway) => {
                (GATEWAY_SILENT_REPLY_DELAY, Reply::Exception(exception::GATEWAY_TARGET_FAILED))
            }
            (CommsFault::Silent, Route::Well(_)) => (now, Reply::Ignore),
            (CommsFault::Slow { delay }, _) => (delay, Reply::Answer(index)),
            (CommsFault::Exception { code }, _) => (now, Reply::Exception(code)),
            (CommsFault::Drop, _) => (now, Reply::Close),
            (CommsFault::Garbage, _) => (now, Reply::Garbage(index)),
        }
    }

    /// The well a unit id addresses on this connection, if any.
    fn target(&self, unit: u8) -> Option<usize> {
        match self.route {
            Route::Gateway => usize::from(unit).checked_sub(1).filter(|index| *index < self.fleet.len()),
            Route::Well(index) => {
                let own = self.fleet.well(index).map(|well| well.unit_id);
                (own == Some(unit) || unit == 0 || unit == 255).then_some(index)
            }
        }
    }

    /// A healthy device's answer: the registers, or the exception the request deserves.
    fn answer(&mut self, index: usize, request: Request) {
        let header = request.header;
        let (function, address, count) = match request.pdu {
            Pdu::Read { function, address, count } => (function, address, count),
            Pdu::BadRead { function } => {
                return frame::write_exception(&mut self.output, header, function, exception::ILLEGAL_DATA_VALUE);
            }
            Pdu::Unsupported { function } => {
                return frame::write_exception(&mut self.output, header, function, exception::ILLEGAL_FUNCTION);
            }
        };
        if !(1..=MAX_READ_COUNT).contains(&count) {
            return frame::write_exception(&mut self.output, header, function.code(), exception::ILLEGAL_DATA_VALUE);
        }
        let mut words = [0u16; MAX_READ_COUNT as usize];
        let words = &mut words[..usize::from(count)];
        match self.fleet.render(index, function, address, words) {
            Ok(()) => frame::write_registers(&mut self.output, header, function.code(), words),
            Err(_) => {
                frame::write_exception(&mut self.output, header, function.code(), exception::ILLEGAL_DATA_ADDRESS);
            }
        }
    }
}
