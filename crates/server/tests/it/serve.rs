//! `serve` on real sockets: HTTPS with a self-signed certificate (rcgen) and a client that
//! trusts it, plain HTTP on loopback with port 0, and the refusal of a non-loopback address
//! without TLS.

use hub::Actor;
use std::sync::Arc;

use server::{Listen, ServerError, TlsFiles};
use store::Role;
use tokio::sync::oneshot;

use crate::common::*;

/// A client trusting only `cert_der` (nothing when empty), with the ring provider.
fn tls_client(cert_der: &[u8]) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    if !cert_der.is_empty() {
        roots
            .add(rustls::pki_types::CertificateDer::from(cert_der.to_vec()))
            .unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(config)
        .build()
        .unwrap()
}

/// Starts `serve` in a task; returns the bound address, the stop switch and the task.
async fn start(
    e: &Env,
    listen: Listen,
) -> (
    std::net::SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), ServerError>>,
) {
    let (addr_tx, addr_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let app = e.app.clone();
    let task = tokio::spawn(async move {
        server::serve(
            app,
            listen,
            move |addr| {
                let _ = addr_tx.send(addr);
            },
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
    });
    let addr = addr_rx.await.expect("bound address");
    (addr, stop_tx, task)
}

#[tokio::test]
async fn serves_https_with_rustls() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Reader);
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_path = e.dir.path().join("cert.pem");
    let key_path = e.dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    let listen = Listen {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: Some(TlsFiles {
            cert: cert_path,
            key: key_path,
        }),
        insecure_http: false,
    };
    let (addr, stop, task) = start(&e, listen).await;
    assert_ne!(addr.port(), 0);
    let client = tls_client(cert.cert.der());
    let base = format!("https://localhost:{}", addr.port());
    // reqwest resolves localhost itself; the certificate names localhost.
    let r = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{base}/taxii2/"))
        .basic_auth("alice", Some(password("alice")))
        .header("accept", TAXII)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], TAXII);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["api_roots"][0], format!("{base}/taxii2/hub/"));
    // A client that does not trust the certificate fails the handshake.
    let untrusting = tls_client(
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .unwrap()
            .cert
            .der(),
    );
    assert!(untrusting
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_err());
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn serves_plain_http_on_loopback_and_stops_gracefully() {
    let e = env();
    let listen = Listen {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        insecure_http: false,
    };
    let (addr, stop, task) = start(&e, listen).await;
    let client = tls_client(&[]);
    let r = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // A 10 MB POST over a real socket: the client receives the 413 (the body is drained),
    // not a connection reset; twice, so the connection state after it is sound.
    user(&e, "gov-a", "alice", Role::Analyst);
    let col = e
        .hub
        .add_collection(Actor::Operator, "big", "Big", "", None)
        .unwrap()
        .id;
    e.hub.grant(Actor::Operator, "gov-a", &col, RW).unwrap();
    let big = format!(
        "{{\"objects\": [{{\"x\": \"{}\"}}]}}",
        "a".repeat(10 * 1024 * 1024)
    );
    for _ in 0..2 {
        let r = client
            .post(format!(
                "http://{addr}/taxii2/hub/collections/{col}/objects/"
            ))
            .basic_auth("alice", Some(password("alice")))
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert_eq!(r.headers()["content-type"], TAXII);
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn refuses_non_loopback_without_tls() {
    let e = env();
    let listen = Listen {
        addr: "0.0.0.0:0".parse().unwrap(),
        tls: None,
        insecure_http: false,
    };
    let err = server::serve(e.app.clone(), listen, |_| panic!("must not bind"), async {})
        .await
        .unwrap_err();
    assert!(matches!(err, ServerError::InsecureListen { .. }));
    assert!(err.to_string().contains("--insecure-http"), "{err}");
    assert!(err.to_string().contains("--tls-cert"), "{err}");

    // With the flag it serves (and stops at once).
    let listen = Listen {
        addr: "0.0.0.0:0".parse().unwrap(),
        tls: None,
        insecure_http: true,
    };
    server::serve(e.app.clone(), listen, |_| {}, async {})
        .await
        .unwrap();

    // Unreadable TLS files are named in the error.
    let listen = Listen {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: Some(TlsFiles {
            cert: e.dir.path().join("missing.pem"),
            key: e.dir.path().join("missing.key"),
        }),
        insecure_http: false,
    };
    let err = server::serve(e.app.clone(), listen, |_| {}, async {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
}

#[tokio::test]
async fn startup_errors_name_what_is_wrong() {
    let e = env();
    // A port already in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = Listen {
        addr: taken.local_addr().unwrap(),
        tls: None,
        insecure_http: false,
    };
    let err = server::serve(e.app.clone(), listen, |_| {}, async {})
        .await
        .unwrap_err();
    assert!(matches!(err, ServerError::Bind { .. }), "{err}");
    assert!(
        err.to_string().contains("cannot listen on 127.0.0.1:"),
        "{err}"
    );

    // A certificate file that holds no certificate, and a key that does not fit.
    let a = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let b = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let not_pem = e.dir.path().join("not.pem");
    let cert = e.dir.path().join("a.pem");
    let other_key = e.dir.path().join("b.key");
    std::fs::write(&not_pem, "hello").unwrap();
    std::fs::write(&cert, a.cert.pem()).unwrap();
    std::fs::write(&other_key, b.key_pair.serialize_pem()).unwrap();
    for (cert, key, names) in [
        (not_pem.clone(), other_key.clone(), "not.pem"),
        (cert.clone(), other_key.clone(), "b.key"),
        (cert.clone(), not_pem.clone(), "not.pem"),
    ] {
        let listen = Listen {
            addr: "127.0.0.1:0".parse().unwrap(),
            tls: Some(TlsFiles { cert, key }),
            insecure_http: false,
        };
        let err = server::serve(e.app.clone(), listen, |_| panic!("must not bind"), async {})
            .await
            .unwrap_err();
        assert!(matches!(err, ServerError::Tls { .. }), "{err}");
        assert!(err.to_string().contains(names), "{err}");
    }
}

/// Reads from `s` until end-of-file or a reset; how long that took.
async fn until_closed(s: &mut tokio::net::TcpStream) -> std::time::Duration {
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return started.elapsed(),
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn connection_caps_and_the_header_timeout_hold() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    let e = env();
    let listen = Listen {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        insecure_http: false,
    };
    let limits = server::ConnLimits {
        max_connections: 100,
        max_connections_per_ip: 2,
        header_timeout: Duration::from_secs(1),
        ..server::ConnLimits::default()
    };
    let (addr_tx, addr_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let app = e.app.clone();
    let task = tokio::spawn(async move {
        server::serve_with(
            app,
            listen,
            limits,
            move |addr| {
                let _ = addr_tx.send(addr);
            },
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
    });
    let addr = addr_rx.await.unwrap();
    // Two half-open requests are held; a third from the same address is closed at once.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(until_closed(&mut third).await < Duration::from_millis(500));
    // The held ones are closed by the header timeout.
    for s in &mut held {
        let t = tokio::time::timeout(Duration::from_secs(5), until_closed(s))
            .await
            .expect("closed by the header timeout");
        assert!(t < Duration::from_secs(3), "{t:?}");
    }
    // Then the address may connect again and is served.
    let r = tls_client(&[])
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    stop_tx.send(()).unwrap();
    task.await.unwrap().unwrap();
}
