//! Binding and serving: plain HTTP on loopback (or with `--insecure-http`), HTTPS with rustls
//! (ring provider), connection limits and timeouts, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::ServerError;

/// PEM files of the server's certificate chain and private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first (PEM).
    pub cert: PathBuf,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Where and how to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// The socket address; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Serve HTTPS with these files.
    pub tls: Option<TlsFiles>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_http: bool,
}

fn tls_error(path: &std::path::Path, message: impl Into<String>) -> ServerError {
    ServerError::Tls {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Builds the rustls server configuration from PEM files, with the ring provider.
fn rustls_config(tls: &TlsFiles) -> Result<rustls::ServerConfig, ServerError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| tls_error(&tls.cert, format!("cannot read the certificate file: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| tls_error(&tls.cert, format!("invalid PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(tls_error(&tls.cert, "no CERTIFICATE block found"));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key)
        .map_err(|e| tls_error(&tls.key, format!("cannot read a private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(&tls.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            tls_error(
                &tls.key,
                format!("the key does not fit the certificate: {e}"),
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Connection limits and timeouts of [`serve_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Open connections at most; over it a new connection is accepted and closed at once.
    pub max_connections: usize,
    /// Open connections at most from one client address (IPv6: one /64); 0 means no limit.
    pub max_connections_per_ip: usize,
    /// Time for the TLS handshake and for each HTTP/1 request head (on a kept-alive
    /// connection the wait for the next request counts), and for the first request to
    /// start.
    pub header_timeout: Duration,
    /// A connection with no request in progress is closed after this long, and a request
    /// body the client stops sending for this long fails.
    pub idle_timeout: Duration,
    /// A response the client does not read from for this long is dropped with its
    /// connection.
    pub write_timeout: Duration,
}

impl ConnLimits {
    /// The limits with every timeout between one millisecond and one year, so deadlines
    /// never overflow.
    pub(crate) fn clamped(self) -> ConnLimits {
        let clamp = |d: Duration| d.clamp(Duration::from_millis(1), MAX_TIMEOUT);
        ConnLimits {
            header_timeout: clamp(self.header_timeout),
            idle_timeout: clamp(self.idle_timeout),
            write_timeout: clamp(self.write_timeout),
            ..self
        }
    }
}

/// The longest timeout [`serve_with`] uses (one year).
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 86_400);

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_connections: 2048,
            max_connections_per_ip: 64,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves `app` until `shutdown` resolves, with the default [`ConnLimits`].
///
/// Refuses a non-loopback address without TLS unless `insecure_http` is set; serves HTTPS
/// with rustls (ring) when `tls` is given; calls `on_bound` with the bound address (useful
/// with port 0) before serving; logs the address; shuts down gracefully.
pub async fn serve(
    app: Router,
    listen: Listen,
    on_bound: impl FnOnce(SocketAddr) + Send,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_with(app, listen, ConnLimits::default(), on_bound, shutdown).await
}

/// [`serve`] with given connection limits and timeouts. On shutdown the server stops
/// accepting, lets open connections finish their requests and waits for them up to ten
/// seconds.
pub async fn serve_with(
    app: Router,
    listen: Listen,
    limits: ConnLimits,
    on_bound: impl FnOnce(SocketAddr) + Send,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listen.addr;
    if listen.tls.is_none() && !addr.ip().is_loopback() && !listen.insecure_http {
        return Err(ServerError::InsecureListen { addr });
    }
    let acceptor = match &listen.tls {
        Some(tls) => Some(tokio_rustls::TlsAcceptor::from(Arc::new(rustls_config(
            tls,
        )?))),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServerError::Bind { addr, source })?;
    if acceptor.is_some() {
        tracing::info!(address = %bound, "listening (HTTPS)");
    } else {
        tracing::info!(address = %bound, "listening (HTTP)");
    }
    on_bound(bound);
    crate::conn::run(listener, app, acceptor, limits, shutdown).await;
    Ok(())
}
