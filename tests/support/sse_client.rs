//! A small server-sent-events client over a raw TCP stream, for end-to-end tests (included with
//! `#[path = "support/sse_client.rs"] mod sse_client;`): it sends one GET, reads the status line
//! and headers, undoes chunked transfer encoding and splits the body into events. Also a client
//! that subscribes and then never reads, with a small receive buffer.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{timeout_at, Instant};

/// Longest wait for a response's head.
const HEAD_WITHIN: Duration = Duration::from_secs(10);

/// One event as the server framed it; comments (keep-alives) are skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<u64>,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("{e}: {}", self.data))
    }
}

/// What the server answered a subscription with.
pub enum Opened {
    Stream(SseStream),
    /// Anything but 200: the status, the headers (names lowercased) and the JSON body.
    Refused {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
}

impl Opened {
    pub fn stream(self) -> SseStream {
        match self {
            Opened::Stream(stream) => stream,
            Opened::Refused { status, body, .. } => panic!("subscription refused with {status}: {body}"),
        }
    }
}

/// `GET path` with `Accept: text/event-stream` and `headers` (an `Authorization` one, say).
pub async fn open(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Opened {
    let mut stream = TcpStream::connect(addr).await.unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    send_request(&mut stream, addr, path, headers).await;
    let mut raw = Vec::new();
    let head_end = read_head(&mut stream, &mut raw).await;
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    raw.drain(..head_end + 4);
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers.iter().any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let mut sse = SseStream { stream, raw, text: String::new(), chunked, ended: false };
    if status == 200 {
        return Opened::Stream(sse);
    }
    let _ = sse.stream.read_to_end(&mut sse.raw).await;
    sse.decode();
    Opened::Refused { status, headers, body: serde_json::from_str(&sse.text).unwrap_or(Value::Null) }
}

/// Subscribes to `path` and never reads: the server's writes back up into a receive buffer of
/// about `receive_buffer` bytes. Keep it alive for as long as the client should stall.
pub async fn stalled(addr: SocketAddr, path: &str, headers: &[(&str, &str)], receive_buffer: u32) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap_or_else(|e| panic!("socket: {e}"));
    socket.set_recv_buffer_size(receive_buffer).unwrap_or_else(|e| panic!("receive buffer: {e}"));
    let mut stream = socket.connect(addr).await.unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    send_request(&mut stream, addr, path, headers).await;
    stream
}

async fn send_request(stream: &mut TcpStream, addr: SocketAddr, path: &str, headers: &[(&str, &str)]) {
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap_or_else(|e| panic!("send: {e}"));
}

/// Reads until the blank line after the headers; returns where it starts.
async fn read_head(stream: &mut TcpStream, raw: &mut Vec<u8>) -> usize {
    let deadline = Instant::now() + HEAD_WITHIN;
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            return end;
        }
        let mut buffer = [0u8; 4096];
        let read = timeout_at(deadline, stream.read(&mut buffer)).await;
        match read {
            Ok(Ok(n)) if n > 0 => raw.extend_from_slice(&buffer[..n]),
            other => panic!("no response head within {HEAD_WITHIN:?}: {other:?}"),
        }
    }
}

/// The reading end of a subscription.
pub struct SseStream {
    stream: TcpStream,
    /// Bytes read but not yet de-chunked.
    raw: Vec<u8>,
    /// Body text not yet split into events.
    text: String,
    chunked: bool,
    ended: bool,
}

impl SseStream {
    /// The next event; `None` when the server ended the stream. Panics after `within`.
    pub async fn next_event(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + within;
        loop {
            self.decode();
            if let Some(event) = self.take_event() {
                return Some(event);
            }
            if self.ended {
                return None;
            }
            let mut buffer = [0u8; 8192];
            match timeout_at(deadline, self.stream.read(&mut buffer)).await {
                Err(_) => panic!("no event within {within:?}"),
                Ok(Ok(0) | Err(_)) => self.ended = true,
                Ok(Ok(n)) => self.raw.extend_from_slice(&buffer[..n]),
            }
        }
    }

    /// Reads events until one passes `wanted`, collecting every event read into `seen`.
    pub async fn wait_for(
        &mut self,
        within: Duration,
        what: &str,
        seen: &mut Vec<SseEvent>,
        wanted: impl Fn(&SseEvent) -> bool,
    ) -> SseEvent {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no event {what} within {within:?}; saw {seen:#?}");
            let event = self.next_event(left).await.unwrap_or_else(|| panic!("stream ended before {what}"));
            seen.push(event.clone());
            if wanted(&event) {
                return event;
            }
        }
    }

    /// Moves whole chunks from `raw` to `text`; the last (empty) chunk ends the stream.
    fn decode(&mut self) {
        if !self.chunked {
            self.text.push_str(&String::from_utf8_lossy(&self.raw));
            self.raw.clear();
            return;
        }
        while let Some(line_end) = self.raw.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&self.raw[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .unwrap_or_else(|e| panic!("bad chunk size {size_text:?}: {e}"));
            if size == 0 {
                self.ended = true;
                return;
            }
            let start = line_end + 2;
            if self.raw.len() < start + size + 2 {
                return;
            }
            self.text.push_str(&String::from_utf8_lossy(&self.raw[start..start + size]));
            self.raw.drain(..start + size + 2);
        }
    }

    /// Splits off the next complete event, skipping comment-only blocks.
    fn take_event(&mut self) -> Option<SseEvent> {
        while let Some(end) = self.text.find("\n\n") {
            let block: String = self.text.drain(..end + 2).collect();
            let mut event = SseEvent { event: "message".into(), id: None, data: String::new() };
            let mut fields = 0;
            for line in block.lines().filter(|line| !line.starts_with(':')) {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                fields += 1;
                match name {
                    "event" => event.event = value.to_owned(),
                    "id" => event.id = value.parse().ok(),
                    "data" if event.data.is_empty() => event.data = value.to_owned(),
                    "data" => event.data = format!("{}\n{value}", event.data),
                    _ => {}
                }
            }
            if fields > 0 {
                return Some(event);
            }
        }
        None
    }
}
