//! Integration tests of the notification service: emit, the outbox, delivery, retries,
//! leases and the TLP rule, on a real SQLite store with a recording transport.

mod outbox;
