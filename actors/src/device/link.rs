//! The Modbus TCP link seam: a [`Connector`] opens [`Link`]s; the real one uses tokio-modbus,
//! tests use an in-process fake.

use std::future::Future;
use std::pin::Pin;

use tokio::net::TcpStream;
use tokio_modbus::client::{Context, Reader};
use tokio_modbus::Slave;

use super::profile::FunctionCode;

/// A boxed future, so links can sit behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a well's device answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub unit_id: u8,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} unit {}", self.host, self.port, self.unit_id)
    }
}

/// Device trouble. None of it is a bug: the well actor turns it into states and counters.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("connect failed: {0}")]
    Connect(std::io::Error),
    #[error("request timed out")]
    Timeout,
    #[error("transport error: {0}")]
    Transport(std::io::Error),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("modbus exception 0x{0:02X}")]
    Exception(u8),
}

impl DeviceError {
    /// Whether the link must be dropped: after a timeout, transport or framing error the
    /// transaction ids can no longer be trusted (tokio-modbus #324).
    /// An exception reply, even a gateway's, proves the connection itself is sound.
    pub fn breaks_link(&self) -> bool {
        !matches!(self, DeviceError::Exception(_))
    }

    /// Whether the device never really answered: everything but an ordinary exception reply.
    /// Gateway exceptions 0x0A/0x0B say the target is unreachable.
    pub fn is_no_reply(&self) -> bool {
        !matches!(self, DeviceError::Exception(_)) || self.is_gateway_exception()
    }

    fn is_gateway_exception(&self) -> bool {
        matches!(self, DeviceError::Exception(0x0A | 0x0B))
    }
}

/// An open connection to one unit id.
pub trait Link: Send {
    /// Reads `count` registers from `address` in the given table.
    fn read(
        &mut self,
        function: FunctionCode,
        address: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<u16>, DeviceError>>;
}

/// Opens links. Shared by all wells; must be cheap to call concurrently.
pub trait Connector: Send + Sync + 'static {
    fn connect<'a>(&'a self, endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Box<dyn Link>, DeviceError>>;
}

/// Opens one Modbus TCP connection with Nagle off, for request/reply traffic.
pub(super) async fn open_modbus(host: &str, port: u16, unit_id: u8) -> Result<Context, DeviceError> {
    let stream = TcpStream::connect((host, port)).await.map_err(DeviceError::Connect)?;
    stream.set_nodelay(true).map_err(DeviceError::Connect)?;
    Ok(tokio_modbus::client::tcp::attach_slave(stream, Slave(unit_id)))
}

/// One read on an open context, with tokio-modbus's errors mapped to device trouble.
pub(super) async fn read_registers(
    context: &mut Context,
    function: FunctionCode,
    address: u16,
    count: u16,
) -> Result<Vec<u16>, DeviceError> {
    let reply = match function {
        FunctionCode::Holding => context.read_holding_registers(address, count).await,
        FunctionCode::Input => context.read_input_registers(address, count).await,
    };
    match reply {
        Ok(Ok(words)) => Ok(words),
        Ok(Err(exception)) => Err(DeviceError::Exception(u8::from(exception))),
        Err(tokio_modbus::Error::Transport(error)) => Err(DeviceError::Transport(error)),
        Err(tokio_modbus::Error::Protocol(error)) => Err(DeviceError::Protocol(error.to_string())),
    }
}
