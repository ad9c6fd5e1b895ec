//! HTTPS serving, with the fixture certificate, through a real TLS client.

use std::sync::Arc;

use axum::routing::get;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use super::*;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

async fn https_get(addr: SocketAddr, path: &str) -> String {
    let mut roots = RootCertStore::empty();
    let cert = CertificateDer::from_pem_file(fixture("ca.pem")).unwrap();
    roots.add(cert).unwrap();
    let config = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn tls_serves_https_with_the_configured_certificate_and_stops_on_the_signal() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/ping", get(|| async { "pong" }));
    let tls = TlsConfig { cert: fixture("cert.pem"), key: fixture("key.pem") };
    let (stop, stopped) = watch::channel(false);
    let task = spawn(listener, router, Some(&tls), stopped).await.unwrap();
    let answer = https_get(addr, "/ping").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("pong"), "{answer}");
    // Plain HTTP on the TLS port gets no answer a client could mistake for one.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut reply)).await;
    assert!(!String::from_utf8_lossy(&reply).contains("pong"));
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(15), task).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_missing_certificate_is_named() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls = TlsConfig { cert: fixture("absent.pem"), key: fixture("key.pem") };
    let (_stop, stopped) = watch::channel(false);
    let error = spawn(listener, Router::new(), Some(&tls), stopped).await.unwrap_err();
    assert!(format!("{error:#}").contains("absent.pem"), "{error:#}");
}
