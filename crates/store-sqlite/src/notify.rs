//! Webhook subscriptions, e-mail contacts and the delivery outbox in SQLite
//! (`store::NotifyStore`).

use rusqlite::Transaction;
use rusqlite::{params, Connection, OptionalExtension, Row};
use store::{
    AttemptEnd, ContactRecord, DeliveryRecord, DomainEventRecord, NewDelivery, NotifyStore, Result,
    WebhookRecord,
};

use crate::domain_events::{domain_event_from_row, finish_notice, NOTICE_COLS};
use crate::util::{backend, insert_error, parse_col};
use crate::SqliteStore;

const WEBHOOK_COLS: &str = "id, org_id, url, kinds, secret, created_by, created";
const CONTACT_COLS: &str = "id, org_id, address, kinds, created_by, created";
const DELIVERY_COLS: &str = "id, org_id, channel, target_id, event_id, kind, subject, body, \
                             status, attempts, next_attempt, lease_until, last_error, created, \
                             updated";

fn kinds_text(kinds: &[String]) -> String {
    kinds.join(",")
}

fn kinds_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn webhook_from_row(r: &Row<'_>) -> rusqlite::Result<WebhookRecord> {
    let kinds: String = r.get(3)?;
    Ok(WebhookRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        url: r.get(2)?,
        kinds: kinds_list(&kinds),
        secret: r.get(4)?,
        created_by: r.get(5)?,
        created: r.get(6)?,
    })
}

fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<ContactRecord> {
    let kinds: String = r.get(3)?;
    Ok(ContactRecord {
        id: r.get(0)?,
        org_id: r.get(1)?,
        address: r.get(2)?,
        kinds: kinds_list(&kinds),
        created_by: r.get(4)?,
        created: r.get(5)?,
    })
}

/// A delivery row with its channel and status texts, parsed by [`finish_delivery_row`].
type RawDelivery = (DeliveryRecord, String, String);

fn delivery_from_row(r: &Row<'_>) -> rusqlite::Result<RawDelivery> {
    Ok((
        DeliveryRecord {
            id: r.get(0)?,
            org_id: r.get(1)?,
            // Replaced once the texts are parsed.
            channel: store::Channel::Webhook,
            target_id: r.get(3)?,
            event_id: r.get(4)?,
            kind: r.get(5)?,
            subject: r.get(6)?,
            body: r.get(7)?,
            status: store::DeliveryStatus::Failed,
            attempts: r.get(9)?,
            next_attempt: r.get(10)?,
            lease_until: r.get(11)?,
            last_error: r.get(12)?,
            created: r.get(13)?,
            updated: r.get(14)?,
        },
        r.get(2)?,
        r.get(8)?,
    ))
}

fn finish_delivery_row((mut d, channel, status): RawDelivery) -> Result<DeliveryRecord> {
    d.channel = parse_col("notify_deliveries", "channel", &channel)?;
    d.status = parse_col("notify_deliveries", "status", &status)?;
    Ok(d)
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn list_deliveries(
    c: &Connection,
    org_id: i64,
    target: Option<&str>,
    n: usize,
) -> Result<Vec<DeliveryRecord>> {
    let rows = c
        .prepare_cached(&format!(
            "SELECT {DELIVERY_COLS} FROM notify_deliveries WHERE org_id = ?1 \
             AND (?3 IS NULL OR target_id = ?3) ORDER BY created DESC, rowid DESC LIMIT ?2"
        ))
        .and_then(|mut st| {
            st.query_map(params![org_id, limit(n), target], delivery_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| backend("listing deliveries", e))?;
    rows.into_iter().map(finish_delivery_row).collect()
}

impl NotifyStore for SqliteStore {
    fn add_webhook(&self, w: &WebhookRecord) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                &format!("INSERT INTO notify_webhooks ({WEBHOOK_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                params![w.id, w.org_id, w.url, kinds_text(&w.kinds), w.secret, w.created_by, w.created],
            )
            .map(drop)
            .map_err(|e| insert_error(|_| format!("webhook '{}'", w.id), e))
        })
    }

    fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {WEBHOOK_COLS} FROM notify_webhooks WHERE id = ?1"
            ))
            .and_then(|mut st| st.query_row([id], webhook_from_row).optional())
            .map_err(|e| backend("reading a webhook", e))
        })
    }

    fn list_webhooks(&self, org_id: i64) -> Result<Vec<WebhookRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {WEBHOOK_COLS} FROM notify_webhooks WHERE org_id = ?1 \
                 ORDER BY created, rowid"
            ))
            .and_then(|mut st| {
                st.query_map([org_id], webhook_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("listing webhooks", e))
        })
    }

    fn delete_webhook(&self, org_id: i64, id: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM notify_webhooks WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                )
                .map_err(|e| backend("deleting a webhook", e))?;
            if n == 1 {
                tx.execute(
                    "DELETE FROM notify_deliveries WHERE channel = 'webhook' AND target_id = ?1",
                    [id],
                )
                .map_err(|e| backend("deleting a webhook's deliveries", e))?;
            }
            Ok(n == 1)
        })
    }

    fn add_contact(&self, ct: &ContactRecord) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO notify_contacts ({CONTACT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ),
                params![
                    ct.id,
                    ct.org_id,
                    ct.address,
                    kinds_text(&ct.kinds),
                    ct.created_by,
                    ct.created
                ],
            )
            .map(drop)
            .map_err(|e| insert_error(|_| format!("e-mail contact '{}'", ct.address), e))
        })
    }

    fn contact(&self, id: &str) -> Result<Option<ContactRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {CONTACT_COLS} FROM notify_contacts WHERE id = ?1"
            ))
            .and_then(|mut st| st.query_row([id], contact_from_row).optional())
            .map_err(|e| backend("reading an e-mail contact", e))
        })
    }

    fn list_contacts(&self, org_id: i64) -> Result<Vec<ContactRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {CONTACT_COLS} FROM notify_contacts WHERE org_id = ?1 \
                 ORDER BY created, rowid"
            ))
            .and_then(|mut st| {
                st.query_map([org_id], contact_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("listing e-mail contacts", e))
        })
    }

    fn delete_contact(&self, org_id: i64, id: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM notify_contacts WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                )
                .map_err(|e| backend("deleting an e-mail contact", e))?;
            if n == 1 {
                tx.execute(
                    "DELETE FROM notify_deliveries WHERE channel = 'email' AND target_id = ?1",
                    [id],
                )
                .map_err(|e| backend("deleting a contact's deliveries", e))?;
            }
            Ok(n == 1)
        })
    }

    fn enqueue(&self, deliveries: &[NewDelivery]) -> Result<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        self.write(|tx| insert_deliveries(tx, deliveries, "INSERT"))
    }

    fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        n: usize,
    ) -> Result<Vec<DeliveryRecord>> {
        let rows = self.write(|tx| {
            tx.prepare_cached(&format!(
                "UPDATE notify_deliveries SET lease_until = ?2, attempts = attempts + 1, \
                 updated = ?1 WHERE rowid IN (SELECT rowid FROM notify_deliveries \
                 WHERE status = 'pending' AND next_attempt <= ?1 \
                 AND (lease_until IS NULL OR lease_until <= ?1) \
                 ORDER BY next_attempt, rowid LIMIT ?3) RETURNING {DELIVERY_COLS}"
            ))
            .and_then(|mut st| {
                st.query_map(params![now, lease_until, limit(n)], delivery_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("claiming deliveries", e))
        })?;
        let mut out: Vec<DeliveryRecord> = rows
            .into_iter()
            .map(finish_delivery_row)
            .collect::<Result<_>>()?;
        // RETURNING gives no order; the oldest due goes first.
        out.sort_by_key(|d| (d.next_attempt, d.created));
        Ok(out)
    }

    fn finish_attempt(&self, id: &str, end: &AttemptEnd, now: i64) -> Result<bool> {
        self.write(|tx| {
            let n = match end {
                AttemptEnd::Delivered => tx.execute(
                    "UPDATE notify_deliveries SET status = 'delivered', lease_until = NULL, \
                     updated = ?2 WHERE id = ?1 AND status = 'pending'",
                    params![id, now],
                ),
                AttemptEnd::Retry { at, error } => tx.execute(
                    "UPDATE notify_deliveries SET next_attempt = ?3, last_error = ?4, \
                     lease_until = NULL, updated = ?2 WHERE id = ?1 AND status = 'pending'",
                    params![id, now, at, error],
                ),
                AttemptEnd::Failed { error } => tx.execute(
                    "UPDATE notify_deliveries SET status = 'failed', last_error = ?3, \
                     lease_until = NULL, updated = ?2 WHERE id = ?1 AND status = 'pending'",
                    params![id, now, error],
                ),
            }
            .map_err(|e| backend("recording a delivery attempt", e))?;
            Ok(n == 1)
        })
    }

    fn delivery(&self, org_id: i64, id: &str) -> Result<Option<DeliveryRecord>> {
        let row = self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {DELIVERY_COLS} FROM notify_deliveries WHERE org_id = ?1 AND id = ?2"
            ))
            .and_then(|mut st| {
                st.query_row(params![org_id, id], delivery_from_row)
                    .optional()
            })
            .map_err(|e| backend("reading a delivery", e))
        })?;
        row.map(finish_delivery_row).transpose()
    }

    fn list_deliveries(
        &self,
        org_id: i64,
        target: Option<&str>,
        n: usize,
    ) -> Result<Vec<DeliveryRecord>> {
        self.read(|c| list_deliveries(c, org_id, target, n))
    }

    fn claim_domain_events(
        &self,
        now: i64,
        lease_until: i64,
        n: usize,
    ) -> Result<Vec<DomainEventRecord>> {
        let rows = self.write(|tx| {
            tx.prepare_cached(&format!(
                "UPDATE domain_events SET lease_until = ?2, attempts = attempts + 1 \
                 WHERE seq IN (SELECT seq FROM domain_events WHERE relayed IS NULL \
                 AND (lease_until IS NULL OR lease_until <= ?1) ORDER BY seq LIMIT ?3) \
                 RETURNING {NOTICE_COLS}"
            ))
            .and_then(|mut st| {
                st.query_map(params![now, lease_until, limit(n)], domain_event_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| backend("claiming notices", e))
        })?;
        let mut out: Vec<DomainEventRecord> =
            rows.into_iter().map(finish_notice).collect::<Result<_>>()?;
        // RETURNING gives no order; the oldest goes first.
        out.sort_by_key(|n| n.seq);
        Ok(out)
    }

    fn relay_domain_event(&self, id: &str, deliveries: &[NewDelivery], now: i64) -> Result<bool> {
        self.write(|tx| {
            let marked = tx
                .execute(
                    "UPDATE domain_events SET relayed = ?2, lease_until = NULL \
                     WHERE id = ?1 AND relayed IS NULL",
                    params![id, now],
                )
                .map_err(|e| backend("marking a notice relayed", e))?;
            if marked == 0 {
                return Ok(false);
            }
            insert_deliveries(tx, deliveries, "INSERT OR IGNORE")?;
            Ok(true)
        })
    }

    fn purge_domain_events(&self, before: i64) -> Result<u64> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM domain_events WHERE relayed IS NOT NULL AND relayed < ?1",
                [before],
            )
            .map(|n| n as u64)
            .map_err(|e| backend("purging relayed notices", e))
        })
    }

    fn purge_deliveries(&self, before: i64) -> Result<u64> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM notify_deliveries WHERE status IN ('delivered', 'failed') \
                 AND updated < ?1",
                [before],
            )
            .map(|n| n as u64)
            .map_err(|e| backend("purging old deliveries", e))
        })
    }
}

/// Writes deliveries into the outbox with `insert` (`INSERT`, or `INSERT OR IGNORE` to skip
/// ids already there).
fn insert_deliveries(tx: &Transaction<'_>, deliveries: &[NewDelivery], insert: &str) -> Result<()> {
    let mut st = tx
        .prepare_cached(&format!(
            "{insert} INTO notify_deliveries ({DELIVERY_COLS}) VALUES \
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?9, NULL, NULL, ?9, ?9)"
        ))
        .map_err(|e| backend("preparing the outbox insert", e))?;
    for d in deliveries {
        st.execute(params![
            d.id,
            d.org_id,
            d.channel.as_str(),
            d.target_id,
            d.event_id,
            d.kind,
            d.subject,
            d.body,
            d.created
        ])
        .map_err(|e| insert_error(|_| format!("delivery '{}'", d.id), e))?;
    }
    Ok(())
}
