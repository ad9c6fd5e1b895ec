//! The real connector: Modbus TCP through tokio-modbus, where every unit id behind one
//! host:port shares a bounded number of connections (architecture §3, esp-domain §4.4).
//!
//! Serial gateways often take one TCP client, and their bus serialises requests anyway. Each
//! request still carries its caller's deadline: a well that times out waiting for the bus gets
//! its own timeout, while its neighbours keep their turn. A request abandoned mid-flight (its
//! deadline fired) poisons the connection, which is replaced before the next request, because
//! transaction ids cannot be trusted after a timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_modbus::client::Context;
use tokio_modbus::slave::SlaveContext;
use tokio_modbus::Slave;

use super::link::{open_modbus, read_registers, BoxFuture, Connector, DeviceError, Endpoint, Link};
use super::profile::FunctionCode;

/// Opens links to Modbus TCP devices and gateways, sharing connections per host:port.
pub struct ModbusConnector {
    connections_per_gateway: usize,
    gateways: Mutex<HashMap<(String, u16), Arc<Gateway>>>,
}

impl ModbusConnector {
    /// `connections_per_gateway` bounds the connections to one host:port (at least one).
    pub fn new(connections_per_gateway: usize) -> Self {
        Self { connections_per_gateway: connections_per_gateway.max(1), gateways: Mutex::default() }
    }

    fn gateway(&self, endpoint: &Endpoint) -> Arc<Gateway> {
        let mut gateways = self.gateways.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (endpoint.host.clone(), endpoint.port);
        let slots = self.connections_per_gateway;
        gateways.entry(key).or_insert_with(|| Arc::new(Gateway::new(&endpoint.host, endpoint.port, slots))).clone()
    }
}

impl Default for ModbusConnector {
    fn default() -> Self {
        Self::new(1)
    }
}

impl Connector for ModbusConnector {
    fn connect<'a>(&'a self, endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Box<dyn Link>, DeviceError>> {
        Box::pin(async move {
            let gateway = self.gateway(endpoint);
            let slot = gateway.slot(endpoint.unit_id);
            slot.lock().await.ensure_open(&gateway.host, gateway.port, endpoint.unit_id).await?;
            Ok(Box::new(SharedLink { gateway, unit_id: endpoint.unit_id }) as Box<dyn Link>)
        })
    }
}

/// The connections to one host:port.
struct Gateway {
    host: String,
    port: u16,
    slots: Vec<tokio::sync::Mutex<Connection>>,
}

impl Gateway {
    fn new(host: &str, port: u16, slots: usize) -> Self {
        let slots = (0..slots).map(|_| tokio::sync::Mutex::new(Connection::default())).collect();
        Self { host: host.to_owned(), port, slots }
    }

    /// Unit ids are spread over the connections; one unit always uses the same one, so its
    /// requests stay in order.
    fn slot(&self, unit_id: u8) -> &tokio::sync::Mutex<Connection> {
        &self.slots[usize::from(unit_id) % self.slots.len()]
    }
}

#[derive(Default)]
struct Connection {
    context: Option<Context>,
    /// Set while a request is on the wire; still set afterwards means it was abandoned.
    in_flight: bool,
}

impl Connection {
    async fn ensure_open(&mut self, host: &str, port: u16, unit_id: u8) -> Result<&mut Context, DeviceError> {
        if self.in_flight {
            self.context = None;
            self.in_flight = false;
        }
        if self.context.is_none() {
            self.context = Some(open_modbus(host, port, unit_id).await?);
        }
        self.context.as_mut().ok_or(DeviceError::Protocol("connection vanished".into()))
    }
}

/// A well's handle on its gateway's shared connection.
struct SharedLink {
    gateway: Arc<Gateway>,
    unit_id: u8,
}

impl Drop for SharedLink {
    /// The last well to let go of a gateway closes its connections, so a removed or stopped
    /// well does not leave a socket open to its device. (The connector's map holds one count.)
    fn drop(&mut self) {
        if Arc::strong_count(&self.gateway) > 2 {
            return;
        }
        for slot in &self.gateway.slots {
            if let Ok(mut connection) = slot.try_lock() {
                *connection = Connection::default();
            }
        }
    }
}

impl Link for SharedLink {
    fn read(
        &mut self,
        function: FunctionCode,
        address: u16,
        count: u16,
    ) -> BoxFuture<'_, Result<Vec<u16>, DeviceError>> {
        Box::pin(async move {
            let gateway = &self.gateway;
            let mut connection = gateway.slot(self.unit_id).lock().await;
            let context = connection.ensure_open(&gateway.host, gateway.port, self.unit_id).await?;
            context.set_slave(Slave(self.unit_id));
            connection.in_flight = true;
            let Some(context) = connection.context.as_mut() else {
                return Err(DeviceError::Protocol("no connection".into()));
            };
            let reply = read_registers(context, function, address, count).await;
            connection.in_flight = false;
            if reply.as_ref().is_err_and(DeviceError::breaks_link) {
                connection.context = None;
            }
            reply
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    use super::*;

    async fn device() -> (TcpListener, Endpoint) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        (listener, Endpoint { host: "127.0.0.1".into(), port, unit_id: 1 })
    }

    /// Whether the peer closed the connection within a short wait.
    async fn closed(stream: &mut tokio::net::TcpStream) -> bool {
        let mut byte = [0u8; 1];
        matches!(tokio::time::timeout(Duration::from_millis(300), stream.read(&mut byte)).await, Ok(Ok(0)))
    }

    #[tokio::test]
    async fn units_on_one_host_and_port_share_a_connection() {
        let (listener, endpoint) = device().await;
        let connector = ModbusConnector::new(1);
        let first = connector.connect(&endpoint).await.unwrap();
        let other_unit = Endpoint { unit_id: 2, ..endpoint.clone() };
        let second = connector.connect(&other_unit).await.unwrap();
        let (mut accepted, _) = listener.accept().await.unwrap();
        let no_second = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(no_second.is_err(), "a second connection was opened");
        drop(first);
        assert!(!closed(&mut accepted).await, "closed while another well still uses it");
        drop(second);
        assert!(closed(&mut accepted).await, "the last well's link must close the connection");
    }
}
