//! The network transports of notifications ([`notify::Transport`]): webhook POSTs with
//! reqwest (rustls, the Mozilla roots, no redirects) and e-mail over SMTP with lettre
//! (STARTTLS by default). The notify crate itself knows neither.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::Transport as _;
use notify::{Outgoing, SendError};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No TLS at all: only for a relay on a loopback address.
    None,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;

    fn from_str(s: &str) -> Result<SmtpTls, String> {
        match s.to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpTls::StartTls),
            "tls" => Ok(SmtpTls::Tls),
            "none" => Ok(SmtpTls::None),
            _ => Err(format!("{s:?}: expected starttls, tls or none")),
        }
    }
}

/// The instance's SMTP relay.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// The relay's host name (checked against its TLS certificate).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: SmtpTls,
    /// The From address of every notification.
    pub from: String,
    /// The user name, when the relay wants authentication.
    pub username: Option<String>,
    /// The password (redacted in `Debug`).
    pub password: Option<String>,
    /// PEM root certificates trusted for the relay besides the Mozilla roots (an internal
    /// certificate authority).
    pub extra_roots: Option<Vec<u8>>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("extra_roots", &self.extra_roots.as_ref().map(Vec::len))
            .finish()
    }
}

/// Settings of [`NetTransport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// The longest one webhook POST or one SMTP exchange may take.
    pub timeout: Duration,
    /// The SMTP relay; without one every e-mail delivery fails, saying so.
    pub smtp: Option<SmtpSettings>,
}

/// Why a transport could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// Webhooks over HTTP(S) and e-mail over SMTP.
pub struct NetTransport {
    http: reqwest::blocking::Client,
    smtp: Option<(lettre::SmtpTransport, Mailbox)>,
}

impl std::fmt::Debug for NetTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetTransport")
            .field(
                "smtp",
                &self.smtp.as_ref().map(|(_, from)| from.to_string()),
            )
            .finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl NetTransport {
    /// Builds the HTTP client and, when configured, the SMTP transport. Must not be called
    /// (nor the transport dropped) on an async runtime's thread.
    pub fn new(config: &TransportConfig) -> Result<NetTransport, TransportError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError(format!("TLS client setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let http = reqwest::blocking::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("rrm-notify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError(format!("HTTP client setup: {e}")))?;
        let smtp = match &config.smtp {
            None => None,
            Some(s) => Some(smtp_transport(s, config.timeout)?),
        };
        Ok(NetTransport { http, smtp })
    }
}

fn smtp_transport(
    s: &SmtpSettings,
    timeout: Duration,
) -> Result<(lettre::SmtpTransport, Mailbox), TransportError> {
    let from: Mailbox = s
        .from
        .parse()
        .map_err(|e| TransportError(format!("the SMTP from address {:?}: {e}", s.from)))?;
    let params = || {
        let mut b = TlsParameters::builder(s.host.clone());
        if let Some(pem) = &s.extra_roots {
            let cert = Certificate::from_pem(pem)
                .map_err(|e| TransportError(format!("the SMTP root certificates: {e}")))?;
            b = b.add_root_certificate(cert);
        }
        b.build()
            .map_err(|e| TransportError(format!("SMTP TLS setup for {}: {e}", s.host)))
    };
    let tls = match s.tls {
        SmtpTls::StartTls => Tls::Required(params()?),
        SmtpTls::Tls => Tls::Wrapper(params()?),
        SmtpTls::None if is_loopback(&s.host) => Tls::None,
        SmtpTls::None => {
            return Err(TransportError(format!(
                "SMTP without TLS is allowed only to a loopback relay, not {}; use starttls or tls",
                s.host
            )))
        }
    };
    let mut builder = lettre::SmtpTransport::builder_dangerous(s.host.clone())
        .port(s.port)
        .tls(tls)
        .timeout(Some(timeout));
    match (&s.username, &s.password) {
        (Some(u), Some(p)) => builder = builder.credentials(Credentials::new(u.clone(), p.clone())),
        (None, None) => {}
        _ => {
            return Err(TransportError(
                "SMTP credentials need both a user name and a password".into(),
            ))
        }
    }
    Ok((builder.build(), from))
}

impl notify::Transport for NetTransport {
    fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        match message {
            Outgoing::Webhook { url, headers, body } => {
                let mut req = self
                    .http
                    .post(url.as_str())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                for (name, value) in headers {
                    req = req.header(*name, value.as_str());
                }
                match req.send() {
                    Ok(resp) if resp.status().is_success() => Ok(()),
                    Ok(resp) => Err(SendError::transient(format!(
                        "the receiver answered HTTP {}",
                        resp.status().as_u16()
                    ))),
                    Err(e) => Err(SendError::transient(format!(
                        "webhook POST failed: {}",
                        crate::error::chain(&e.without_url())
                    ))),
                }
            }
            Outgoing::Email {
                to,
                subject,
                text,
                delivery_id,
            } => {
                let Some((mailer, from)) = &self.smtp else {
                    return Err(SendError::permanent(
                        "no SMTP relay is configured (serve --smtp-host)",
                    ));
                };
                let to: Mailbox = to
                    .parse()
                    .map_err(|e| SendError::permanent(format!("the address {to:?}: {e}")))?;
                let email = lettre::Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject.as_str())
                    // The delivery id: the same on every attempt, so recipients de-duplicate.
                    .message_id(Some(format!("<{delivery_id}@rrm.notify>")))
                    .header(ContentType::TEXT_PLAIN)
                    .body(text.clone())
                    .map_err(|e| SendError::permanent(format!("cannot build the e-mail: {e}")))?;
                mailer
                    .send(&email)
                    .map(drop)
                    .map_err(|e| SendError::transient(format!("SMTP: {e}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_plain_smtp_is_loopback_only() {
        let s = SmtpSettings {
            host: "smtp.example.org".into(),
            port: 587,
            tls: SmtpTls::None,
            from: "rrm@example.org".into(),
            username: Some("rrm".into()),
            password: Some("hunter2-secret".into()),
            extra_roots: None,
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("<redacted>"),
            "{shown}"
        );
        let err = smtp_transport(&s, Duration::from_secs(1)).unwrap_err();
        assert!(err.0.contains("loopback"), "{err}");
        let local = SmtpSettings {
            host: "127.0.0.1".into(),
            ..s.clone()
        };
        assert!(smtp_transport(&local, Duration::from_secs(1)).is_ok());
        let half = SmtpSettings {
            password: None,
            ..local
        };
        assert!(smtp_transport(&half, Duration::from_secs(1)).is_err());
        assert_eq!("STARTTLS".parse::<SmtpTls>(), Ok(SmtpTls::StartTls));
        assert!("ssl".parse::<SmtpTls>().is_err());
    }
}
