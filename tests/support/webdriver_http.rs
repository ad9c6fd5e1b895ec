//! The HTTP/1.1 exchange under the WebDriver client: one JSON request per connection to the
//! driver on loopback, the answer's body framed by Content-Length or chunked transfer encoding.

use std::io::{self, Read, Write};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest one WebDriver command may take: a page load or an asynchronous script included.
const COMMAND_DEADLINE: Duration = Duration::from_secs(60);

/// Sends one command to the driver on `port` and returns the answer's status and JSON body
/// (`Value::Null` when the body is empty).
pub async fn exchange(port: u16, method: &str, path: &str, body: Option<&Value>) -> io::Result<(u16, Value)> {
    let sent = send(port, method, path, body);
    match tokio::time::timeout(COMMAND_DEADLINE, sent).await {
        Ok(answer) => answer,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{method} {path}: no answer within {COMMAND_DEADLINE:?}"),
        )),
    }
}

async fn send(port: u16, method: &str, path: &str, body: Option<&Value>) -> io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(request(port, method, path, body).as_bytes()).await?;
    let mut response = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    while !complete(&response) {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..read]);
    }
    parse(&response)
}

/// As [`exchange`], blocking and with a short deadline: for ending a session from `Drop`.
pub fn exchange_blocking(port: u16, method: &str, path: &str) -> io::Result<(u16, Value)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(request(port, method, path, None).as_bytes())?;
    let mut response = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    while !complete(&response) {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..read]);
    }
    parse(&response)
}

fn request(port: u16, method: &str, path: &str, body: Option<&Value>) -> String {
    let body = body.map(Value::to_string).unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Whether `response` holds a whole answer. The driver keeps the connection open whatever
/// `Connection: close` says, so the end is found by the body's framing, not by the close.
fn complete(response: &[u8]) -> bool {
    match framing(response) {
        Ok((_, Framing::Chunked, raw)) => dechunk(raw).is_ok(),
        Ok((_, Framing::Length(length), raw)) => raw.len() >= length,
        Ok((_, Framing::UntilClose, _)) | Err(_) => false,
    }
}

/// How the body after the headers ends.
enum Framing {
    Chunked,
    Length(usize),
    UntilClose,
}

/// The status, the body's framing and the bytes after the headers.
fn framing(response: &[u8]) -> io::Result<(u16, Framing, &[u8])> {
    let end_of_head = find(response, b"\r\n\r\n").ok_or_else(|| invalid("the response has no end of headers"))?;
    let head = std::str::from_utf8(&response[..end_of_head]).map_err(|_| invalid("the headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|line| line.split_whitespace().nth(1)).and_then(|code| code.parse().ok());
    let status = status.ok_or_else(|| invalid("the response has no status line"))?;
    let mut framing = Framing::UntilClose;
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            framing = Framing::Chunked;
        } else if name.eq_ignore_ascii_case("content-length") && !matches!(framing, Framing::Chunked) {
            framing = Framing::Length(value.parse().map_err(|_| invalid("Content-Length is not a number"))?);
        }
    }
    Ok((status, framing, &response[end_of_head + 4..]))
}

/// The status and JSON body of a whole HTTP/1.1 response.
pub fn parse(response: &[u8]) -> io::Result<(u16, Value)> {
    let (status, framing, raw) = framing(response)?;
    let body = match framing {
        Framing::Chunked => dechunk(raw)?,
        Framing::Length(length) => {
            raw.get(..length).ok_or_else(|| invalid("the body is shorter than its Content-Length"))?.to_vec()
        }
        Framing::UntilClose => raw.to_vec(),
    };
    if body.is_empty() {
        return Ok((status, Value::Null));
    }
    let json = serde_json::from_slice(&body).map_err(|e| invalid(&format!("the body is not JSON: {e}")))?;
    Ok((status, json))
}

/// Undoes chunked transfer encoding (chunk extensions and trailers ignored).
fn dechunk(mut raw: &[u8]) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(raw, b"\r\n").ok_or_else(|| invalid("a chunk has no size line"))?;
        let line = std::str::from_utf8(&raw[..line_end]).map_err(|_| invalid("a chunk size is not UTF-8"))?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("a chunk size is not hexadecimal"))?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(raw.get(..size).ok_or_else(|| invalid("a chunk is cut short"))?);
        raw = raw.get(size + 2..).ok_or_else(|| invalid("a chunk does not end with CRLF"))?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[test]
fn parses_bodies_framed_by_length_and_by_chunks() {
    let framed = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{\"value\":42}\nextra";
    assert_eq!(parse(framed).unwrap(), (200, serde_json::json!({"value": 42})));
    let chunked =
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n{\"val\r\n8\r\nue\":[1]}\r\n0\r\n\r\n";
    assert_eq!(parse(chunked).unwrap(), (404, serde_json::json!({"value": [1]})));
    let empty = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(parse(empty).unwrap(), (204, Value::Null));
    assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err());
}

#[test]
fn a_response_is_complete_when_its_framing_says_so_not_when_the_connection_closes() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Length:11\r\nConnection:close\r\n\r\n".to_vec();
    assert!(!complete(&head[..20]));
    assert!(!complete(&[head.clone(), b"{\"value\":".to_vec()].concat()));
    assert!(complete(&[head, b"{\"value\":1}".to_vec()].concat()));
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n".to_vec();
    assert!(!complete(&chunked));
    assert!(complete(&[chunked, b"0\r\n\r\n".to_vec()].concat()));
    assert!(!complete(b"HTTP/1.1 200 OK\r\n\r\n{}"), "no framing: only the close ends it");
}
