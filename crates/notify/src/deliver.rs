//! The delivery loop: worker threads claim due deliveries from the outbox (with a lease),
//! send each through a [`Transport`] and record the outcome, retrying with backoff.
//!
//! A claim is an attempt: a process killed while it sends leaves the row leased, and once the
//! lease has run out a worker (after a restart) claims it again, with the same delivery id, so
//! every delivery arrives at least once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rand::Rng;
use store::{AttemptEnd, Channel, DeliveryRecord};

use crate::sign::{signature, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use crate::{now_millis, Notifier};

/// One message for a transport to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// An HTTP POST of a JSON body.
    Webhook {
        /// The webhook's URL.
        url: String,
        /// Headers to send besides `Content-Type: application/json`: the delivery id, the
        /// event kind and the signature.
        headers: Vec<(&'static str, String)>,
        /// The body, exactly as signed.
        body: String,
    },
    /// A plain-text e-mail.
    Email {
        /// The recipient address.
        to: String,
        /// The subject line.
        subject: String,
        /// The text.
        text: String,
        /// The delivery id (sent as a header so that recipients de-duplicate).
        delivery_id: String,
    },
}

/// Why a transport did not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// What went wrong, for the delivery record (no secret in it).
    pub message: String,
    /// True when retrying cannot help (an address that does not parse).
    pub permanent: bool,
}

impl SendError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure retrying cannot mend.
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SendError {}

/// Sends messages over the network (implemented where network code lives: the server crate).
/// A call blocks until the receiver answered or the transport's timeout passed.
pub trait Transport: Send + Sync + 'static {
    /// Sends one message; `Ok` only when the receiver accepted it (a 2xx answer, an SMTP
    /// server that took the message).
    fn send(&self, message: &Outgoing) -> Result<(), SendError>;
}

/// What waiting workers share: the stop flag and a wake-up for new deliveries.
#[derive(Debug, Default)]
pub(crate) struct Wake {
    pending: Mutex<u64>,
    cond: Condvar,
    stop: AtomicBool,
}

impl Wake {
    /// Wakes the workers: new deliveries are due.
    pub(crate) fn notify(&self) {
        let mut n = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.wrapping_add(1);
        self.cond.notify_all();
    }

    /// Waits until woken, stopped, or `timeout` passed.
    fn wait(&self, seen: &mut u64, timeout: Duration) {
        let n = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let (n, _) = self
            .cond
            .wait_timeout_while(n, timeout, |n| {
                *n == *seen && !self.stop.load(Ordering::SeqCst)
            })
            .unwrap_or_else(|e| e.into_inner());
        *seen = *n;
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _guard = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        self.cond.notify_all();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Running delivery workers; [`DeliveryLoop::shutdown`] stops them.
#[derive(Debug)]
pub struct DeliveryLoop {
    wake: Arc<Wake>,
    threads: Vec<JoinHandle<()>>,
}

impl DeliveryLoop {
    /// Asks the workers to stop (a send in progress finishes, bounded by the transport's
    /// timeout) and waits up to `wait`; `true` if all stopped. A delivery whose send did not
    /// finish keeps its lease and is sent again after the next start.
    pub fn shutdown(self, wait: Duration) -> bool {
        self.wake.stop();
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.threads.iter().all(JoinHandle::is_finished) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let all = self.threads.iter().all(JoinHandle::is_finished);
        for t in self.threads {
            if t.is_finished() {
                let _ = t.join();
            }
        }
        all
    }
}

/// How often finished deliveries older than the retention are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

impl Notifier {
    /// Starts the delivery workers (`config.workers` threads) over `transport`.
    pub fn start(&self, transport: Arc<dyn Transport>) -> DeliveryLoop {
        let wake = self.wake().clone();
        let threads = (0..self.config().workers.max(1))
            .filter_map(|i| {
                let me = self.clone();
                let transport = transport.clone();
                std::thread::Builder::new()
                    .name(format!("notify-{i}"))
                    .spawn(move || me.worker(&*transport, i == 0))
                    .map_err(|e| tracing::error!(error = %e, "cannot start a delivery worker"))
                    .ok()
            })
            .collect();
        DeliveryLoop { wake, threads }
    }

    fn worker(&self, transport: &dyn Transport, purges: bool) {
        let wake = self.wake().clone();
        let mut seen = 0;
        let mut last_purge: Option<Instant> = None;
        while !wake.stopped() {
            if purges && last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                last_purge = Some(Instant::now());
                self.purge();
            }
            match self.deliver_one(transport) {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "the delivery outbox failed"),
            }
            wake.wait(&mut seen, self.config().poll);
        }
    }

    fn purge(&self) {
        let keep = i64::try_from(self.config().retention.as_millis()).unwrap_or(i64::MAX);
        match self
            .store()
            .purge_deliveries(now_millis().saturating_sub(keep))
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "old deliveries purged"),
            Err(e) => tracing::error!(error = %e, "cannot purge old deliveries"),
        }
        match self
            .store()
            .purge_domain_events(now_millis().saturating_sub(keep))
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "old relayed notices purged"),
            Err(e) => tracing::error!(error = %e, "cannot purge old relayed notices"),
        }
    }

    /// Claims one due delivery, sends it and records the outcome; `false` when none was due.
    /// The delivery loop calls this; tests call it to deliver step by step.
    pub fn deliver_one(&self, transport: &dyn Transport) -> Result<bool, hub::HubError> {
        let now = now_millis();
        let lease = i64::try_from(self.config().lease.as_millis()).unwrap_or(i64::MAX);
        let Some(d) = self
            .store()
            .claim_deliveries(now, now.saturating_add(lease), 1)?
            .pop()
        else {
            return Ok(false);
        };
        let end = match self.outgoing(&d)? {
            None => AttemptEnd::Failed {
                error: "the subscription was deleted".into(),
            },
            Some(message) => match transport.send(&message) {
                Ok(()) => AttemptEnd::Delivered,
                Err(e) => self.after_failure(&d, e),
            },
        };
        match &end {
            AttemptEnd::Delivered => {
                tracing::info!(delivery = %d.id, kind = %d.kind, attempt = d.attempts, "delivered")
            }
            AttemptEnd::Retry { error, .. } => {
                tracing::warn!(delivery = %d.id, attempt = d.attempts, error = %error, "delivery failed; will retry")
            }
            AttemptEnd::Failed { error } => {
                tracing::warn!(delivery = %d.id, attempt = d.attempts, error = %error, "delivery failed for good")
            }
        }
        self.store().finish_attempt(&d.id, &end, now_millis())?;
        Ok(true)
    }

    fn after_failure(&self, d: &DeliveryRecord, e: SendError) -> AttemptEnd {
        let error: String = e.message.chars().take(500).collect();
        if e.permanent {
            return AttemptEnd::Failed { error };
        }
        let jitter: f64 = rand::thread_rng().gen();
        match self.config().retry.delay(d.attempts, jitter) {
            Some(delay) => AttemptEnd::Retry {
                at: now_millis()
                    .saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
                error,
            },
            None => AttemptEnd::Failed { error },
        }
    }

    /// The message of a claimed delivery, signed now; `None` if its subscription is gone.
    fn outgoing(&self, d: &DeliveryRecord) -> Result<Option<Outgoing>, hub::HubError> {
        Ok(match d.channel {
            Channel::Webhook => self.store().webhook(&d.target_id)?.map(|w| {
                let now = now_millis().div_euclid(1000);
                Outgoing::Webhook {
                    url: w.url,
                    headers: vec![
                        (DELIVERY_HEADER, d.id.clone()),
                        (EVENT_HEADER, d.kind.clone()),
                        (
                            SIGNATURE_HEADER,
                            signature(&w.secret, now, d.body.as_bytes()),
                        ),
                    ],
                    body: d.body.clone(),
                }
            }),
            Channel::Email => self
                .store()
                .contact(&d.target_id)?
                .map(|c| Outgoing::Email {
                    to: c.address,
                    subject: d.subject.clone().unwrap_or_else(|| "[rrm]".into()),
                    text: d.body.clone(),
                    delivery_id: d.id.clone(),
                }),
        })
    }
}
