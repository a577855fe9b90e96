//! Binding and serving: plain HTTP on loopback (or with `--insecure-http`), HTTPS with rustls
//! (ring provider), graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::{Extension, Router};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{Scheme, ServerError};

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

/// Serves `app` until `shutdown` resolves.
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
    let addr = listen.addr;
    if listen.tls.is_none() && !addr.ip().is_loopback() && !listen.insecure_http {
        return Err(ServerError::InsecureListen { addr });
    }
    match listen.tls {
        None => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| ServerError::Bind { addr, source })?;
            let bound = listener
                .local_addr()
                .map_err(|source| ServerError::Bind { addr, source })?;
            tracing::info!(address = %bound, "listening (HTTP)");
            on_bound(bound);
            axum::serve(
                listener,
                app.layer(Extension(Scheme::Http))
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Io)
        }
        Some(tls) => {
            let config = rustls_config(&tls)?;
            let listener = std::net::TcpListener::bind(addr)
                .map_err(|source| ServerError::Bind { addr, source })?;
            listener
                .set_nonblocking(true)
                .map_err(|source| ServerError::Bind { addr, source })?;
            let bound = listener
                .local_addr()
                .map_err(|source| ServerError::Bind { addr, source })?;
            tracing::info!(address = %bound, "listening (HTTPS)");
            on_bound(bound);
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            let rustls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
            axum_server::from_tcp_rustls(listener, rustls)
                .handle(handle)
                .serve(
                    app.layer(Extension(Scheme::Https))
                        .into_make_service_with_connect_info::<SocketAddr>(),
                )
                .await
                .map_err(ServerError::Io)
        }
    }
}
