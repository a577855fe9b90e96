//! The political-advertising registry in SQLite (`store::AdStore`): creatives as blobs keyed
//! by SHA-256, exact-match terms and FTS5 for search, keyset paging on the ad id.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use store::{
    AdListing, AdQuery, AdRow, AdStore, AdSubmitted, AdVersionRow, AuditRow, ElectionRecord,
    NewAdSubmission, PlatformRecord, Result, RetentionRun, SponsorRecord, StoreError,
    SubmissionRow, ViolationQuery, ViolationRow,
};

use crate::util::backend;
use crate::SqliteStore;

/// Separator of list columns (elections, regions, languages).
const SEP: char = '\u{1f}';

const AD_COLS: &str = "a.id, a.platform_org_id, a.ad_id, a.version, a.public, a.sponsor, \
     a.sponsor_name, a.payer, a.payer_name, a.platform, a.elections, a.start_day, a.end_day, \
     a.regions, a.languages, a.spend_minor, a.currency, a.text, a.creative_sha256, \
     a.publish_until, a.keep_until, a.public_json, a.updated";

/// One page of an election export: keyset on the (term, ad) primary key of `ad_terms`.
fn export_page_sql() -> String {
    format!(
        "SELECT {AD_COLS} FROM ad_terms t JOIN ads a ON a.id = t.ad \
         WHERE t.term = ?1 AND t.ad > ?2 AND t.ad <= ?3 AND a.public = 1 \
         ORDER BY t.ad LIMIT ?4"
    )
}

fn split(s: String) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(SEP).map(str::to_string).collect()
    }
}

fn join(v: &[String]) -> String {
    v.join(&SEP.to_string())
}

fn ad_from_row(r: &Row<'_>) -> rusqlite::Result<AdRow> {
    Ok(AdRow {
        id: r.get(0)?,
        platform_org_id: r.get(1)?,
        ad_id: r.get(2)?,
        version: r.get(3)?,
        public: r.get(4)?,
        listing: AdListing {
            sponsor: r.get(5)?,
            sponsor_name: r.get(6)?,
            payer: r.get(7)?,
            payer_name: r.get(8)?,
            platform: r.get(9)?,
            elections: split(r.get(10)?),
            start_day: r.get(11)?,
            end_day: r.get(12)?,
            regions: split(r.get(13)?),
            languages: split(r.get(14)?),
            spend_minor: r.get(15)?,
            currency: r.get(16)?,
            text: r.get(17)?,
            creative_sha256: r.get(18)?,
            publish_until: r.get(19)?,
            keep_until: r.get(20)?,
            public_json: r.get(21)?,
        },
        updated: r.get(22)?,
    })
}

/// The exact-match terms of a listing.
fn terms(l: &AdListing) -> Vec<String> {
    let mut t = vec![
        format!("s:{}", l.sponsor.to_lowercase()),
        format!("s:{}", l.sponsor_name.to_lowercase()),
        format!("y:{}", l.payer.to_lowercase()),
        format!("y:{}", l.payer_name.to_lowercase()),
        format!("p:{}", l.platform.to_lowercase()),
    ];
    t.extend(
        l.elections
            .iter()
            .map(|e| format!("e:{}", e.to_lowercase())),
    );
    t.extend(l.regions.iter().map(|e| format!("r:{}", e.to_lowercase())));
    t.extend(
        l.languages
            .iter()
            .map(|e| format!("l:{}", e.to_lowercase())),
    );
    t.sort();
    t.dedup();
    t
}

/// Turns free text into an FTS5 query: every word quoted, all required.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn put_creative(tx: &Transaction<'_>, c: &store::NewCreative) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO ad_creatives (sha256, media_type, size, bytes) VALUES (?1, ?2, ?3, ?4)",
        params![c.sha256, c.media_type, c.bytes.len() as i64, c.bytes],
    )
    .map_err(|e| backend("storing a creative", e))?;
    Ok(())
}

fn add_submission(tx: &Transaction<'_>, s: &NewAdSubmission) -> Result<AdSubmitted> {
    if let Some(c) = &s.creative {
        put_creative(tx, c)?;
    }
    let creative = s.creative.as_ref().map(|c| c.sha256.clone());
    tx.execute(
        "INSERT INTO ad_submissions (platform_org_id, user_id, ad_id, verdict, published, \
         submission_json, result_json, creative_sha256, received) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.platform_org_id,
            s.user_id,
            s.ad_id,
            s.verdict,
            s.listing.is_some(),
            s.submission_json,
            s.result_json,
            creative,
            s.received
        ],
    )
    .map_err(|e| backend("storing an ad submission", e))?;
    let submission_id = tx.last_insert_rowid();
    let mut violation_ids = Vec::with_capacity(s.violations.len());
    for v in &s.violations {
        tx.execute(
            "INSERT INTO ad_violations (submission_id, rule_id, outcome, foreign_funding, \
             elections, detail_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                submission_id,
                v.rule_id,
                v.outcome,
                v.foreign_funding,
                v.elections,
                v.detail_json
            ],
        )
        .map_err(|e| backend("storing a violation", e))?;
        violation_ids.push(tx.last_insert_rowid());
    }
    let Some(l) = &s.listing else {
        return Ok(AdSubmitted {
            submission_id,
            ad: None,
            version: None,
            violation_ids,
        });
    };
    let existing: Option<(i64, i64)> = tx
        .query_row(
            "SELECT id, version FROM ads WHERE platform_org_id = ?1 AND ad_id = ?2",
            params![s.platform_org_id, s.ad_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| backend("looking up an ad", e))?;
    let values = params![
        s.platform_org_id,
        s.ad_id,
        l.sponsor,
        l.sponsor_name,
        l.payer,
        l.payer_name,
        l.platform,
        join(&l.elections),
        l.start_day,
        l.end_day,
        join(&l.regions),
        join(&l.languages),
        l.spend_minor,
        l.currency,
        l.text,
        l.creative_sha256,
        l.publish_until,
        l.keep_until,
        l.public_json,
        s.received
    ];
    let (id, version) = match existing {
        None => {
            tx.execute(
                "INSERT INTO ads (platform_org_id, ad_id, sponsor, sponsor_name, payer, \
                 payer_name, platform, elections, start_day, end_day, regions, languages, \
                 spend_minor, currency, text, creative_sha256, publish_until, keep_until, \
                 public_json, updated, version, public) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                 ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 1, 1)",
                values,
            )
            .map_err(|e| backend("publishing an ad", e))?;
            (tx.last_insert_rowid(), 1)
        }
        Some((id, v)) => {
            tx.execute(
                "UPDATE ads SET sponsor = ?3, sponsor_name = ?4, payer = ?5, payer_name = ?6, \
                 platform = ?7, elections = ?8, start_day = ?9, end_day = ?10, regions = ?11, \
                 languages = ?12, spend_minor = ?13, currency = ?14, text = ?15, \
                 creative_sha256 = ?16, publish_until = ?17, keep_until = ?18, \
                 public_json = ?19, updated = ?20, version = version + 1, public = 1 \
                 WHERE platform_org_id = ?1 AND ad_id = ?2",
                values,
            )
            .map_err(|e| backend("publishing a new version of an ad", e))?;
            tx.execute("DELETE FROM ad_terms WHERE ad = ?1", [id])
                .map_err(|e| backend("replacing ad terms", e))?;
            tx.execute("DELETE FROM ads_fts WHERE rowid = ?1", [id])
                .map_err(|e| backend("replacing ad text index", e))?;
            (id, v + 1)
        }
    };
    tx.execute(
        "INSERT INTO ad_versions (ad, version, submission_id, published, creative_sha256, \
         public_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            version,
            submission_id,
            s.received,
            l.creative_sha256,
            l.public_json
        ],
    )
    .map_err(|e| backend("recording an ad version", e))?;
    {
        let mut st = tx
            .prepare_cached("INSERT OR IGNORE INTO ad_terms (term, ad) VALUES (?1, ?2)")
            .map_err(|e| backend("preparing ad terms", e))?;
        for t in terms(l) {
            st.execute(params![t, id])
                .map_err(|e| backend("storing ad terms", e))?;
        }
    }
    tx.execute(
        "INSERT INTO ads_fts (rowid, text, names) VALUES (?1, ?2, ?3)",
        params![id, l.text, format!("{} {}", l.sponsor_name, l.payer_name)],
    )
    .map_err(|e| backend("indexing ad text", e))?;
    Ok(AdSubmitted {
        submission_id,
        ad: Some(id),
        version: Some(version),
        violation_ids,
    })
}

fn search(c: &Connection, q: &AdQuery) -> Result<Vec<AdRow>> {
    // Exact-match terms, most selective kinds first.
    let mut term_filters: Vec<String> = Vec::new();
    let mut push = |prefix: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            term_filters.push(format!("{prefix}:{}", v.to_lowercase()));
        }
    };
    push("s", &q.sponsor);
    push("y", &q.payer);
    push("r", &q.region);
    push("l", &q.language);
    push("e", &q.election);
    push("p", &q.platform);
    let text = q.text.as_deref().and_then(fts_query);
    let mut args: Vec<SqlValue> = Vec::new();
    let mut sql = String::with_capacity(512);
    let mut conds: Vec<String> = vec!["a.public = 1".into()];
    let mut args_residual_text: Option<String> = None;
    // The driving index: the full-text index (rowid order), else the first term, else the
    // ads themselves; every other filter is checked on the rows it yields, in id order.
    // With a sponsor or payer (a few thousand ads at most) the term drives and the text is
    // checked against the (materialised) full-text matches instead.
    let selective_term = q.sponsor.as_deref().is_some_and(|v| !v.is_empty())
        || q.payer.as_deref().is_some_and(|v| !v.is_empty());
    let fts_driver = text.as_ref().filter(|_| !selective_term);
    if let (Some(t), None) = (&text, fts_driver) {
        conds.push("a.id IN (SELECT rowid FROM ads_fts WHERE ads_fts MATCH ?)".into());
        args_residual_text = Some(t.clone());
    }
    let (order, residual_terms): (&str, &[String]) = if let Some(t) = fts_driver {
        sql.push_str(&format!(
            "SELECT {AD_COLS} FROM ads_fts f JOIN ads a ON a.id = f.rowid \
             WHERE ads_fts MATCH ? AND f.rowid > ? AND f.rowid <= ?"
        ));
        args.push(SqlValue::Text(t.clone()));
        args.push(SqlValue::Integer(q.after));
        args.push(SqlValue::Integer(q.upto));
        ("f.rowid", &term_filters)
    } else if let Some((first, rest)) = term_filters.split_first() {
        sql.push_str(&format!(
            "SELECT {AD_COLS} FROM ad_terms t JOIN ads a ON a.id = t.ad WHERE t.term = ? \
             AND t.ad > ? AND t.ad <= ?"
        ));
        args.push(SqlValue::Text(first.clone()));
        args.push(SqlValue::Integer(q.after));
        args.push(SqlValue::Integer(q.upto));
        ("t.ad", rest)
    } else {
        sql.push_str(&format!(
            "SELECT {AD_COLS} FROM ads a WHERE a.id > ? AND a.id <= ?"
        ));
        args.push(SqlValue::Integer(q.after));
        args.push(SqlValue::Integer(q.upto));
        ("a.id", &[])
    };
    if let Some(t) = args_residual_text {
        args.push(SqlValue::Text(t));
    }
    for t in residual_terms {
        conds.push("EXISTS (SELECT 1 FROM ad_terms x WHERE x.term = ? AND x.ad = a.id)".into());
        args.push(SqlValue::Text(t.clone()));
    }
    if let Some(d) = &q.from_day {
        conds.push("a.end_day >= ?".into());
        args.push(SqlValue::Text(d.clone()));
    }
    if let Some(d) = &q.to_day {
        conds.push("a.start_day <= ?".into());
        args.push(SqlValue::Text(d.clone()));
    }
    if let Some(v) = q.spend_min {
        conds.push("a.spend_minor >= ?".into());
        args.push(SqlValue::Integer(v));
    }
    if let Some(v) = q.spend_max {
        conds.push("a.spend_minor <= ?".into());
        args.push(SqlValue::Integer(v));
    }
    for cnd in &conds {
        sql.push_str(" AND ");
        sql.push_str(cnd);
    }
    sql.push_str(&format!(" ORDER BY {order} LIMIT ?"));
    args.push(SqlValue::Integer(
        i64::try_from(q.limit).unwrap_or(i64::MAX),
    ));
    let mut st = c
        .prepare_cached(&sql)
        .map_err(|e| backend("preparing an ad search", e))?;
    let rows = st
        .query_map(params_from_iter(args), ad_from_row)
        .map_err(|e| backend("searching ads", e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| backend("reading ads", e))
}

fn violation_from_row(r: &Row<'_>) -> rusqlite::Result<ViolationRow> {
    Ok(ViolationRow {
        id: r.get(0)?,
        submission_id: r.get(1)?,
        platform_org_id: r.get(2)?,
        ad_id: r.get(3)?,
        verdict: r.get(4)?,
        rule_id: r.get(5)?,
        outcome: r.get(6)?,
        foreign_funding: r.get(7)?,
        elections: r.get(8)?,
        detail_json: r.get(9)?,
        received: r.get(10)?,
        incident_id: r.get(11)?,
    })
}

fn retention(tx: &Transaction<'_>, today: &str, now: i64) -> Result<RetentionRun> {
    let mut run = RetentionRun::default();
    let hide: Vec<(i64, String)> = {
        let mut st = tx
            .prepare("SELECT id, publish_until FROM ads WHERE public = 1 AND publish_until < ?1")
            .map_err(|e| backend("finding ads to unpublish", e))?;
        let rows = st
            .query_map([today], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| backend("finding ads to unpublish", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| backend("finding ads to unpublish", e))?
    };
    for (id, until) in hide {
        tx.execute("UPDATE ads SET public = 0 WHERE id = ?1", [id])
            .map_err(|e| backend("unpublishing an ad", e))?;
        tx.execute(
            "INSERT INTO ad_audit (at, action, ad, detail) VALUES (?1, 'hidden', ?2, ?3)",
            params![
                now,
                id,
                format!("publication period ended on {until}; kept, no longer public")
            ],
        )
        .map_err(|e| backend("writing an audit record", e))?;
        run.hidden += 1;
    }
    let purge: Vec<(i64, i64, String, String)> = {
        let mut st = tx
            .prepare("SELECT id, platform_org_id, ad_id, keep_until FROM ads WHERE keep_until < ?1")
            .map_err(|e| backend("finding ads to purge", e))?;
        let rows = st
            .query_map([today], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(|e| backend("finding ads to purge", e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| backend("finding ads to purge", e))?
    };
    for (id, org, ad_id, until) in purge {
        for sql in [
            "DELETE FROM ad_versions WHERE ad = ?1",
            "DELETE FROM ad_terms WHERE ad = ?1",
            "DELETE FROM ads_fts WHERE rowid = ?1",
            "DELETE FROM ads WHERE id = ?1",
        ] {
            tx.execute(sql, [id])
                .map_err(|e| backend("purging an ad", e))?;
        }
        tx.execute(
            "DELETE FROM ad_submissions WHERE platform_org_id = ?1 AND ad_id = ?2",
            params![org, ad_id],
        )
        .map_err(|e| backend("purging ad submissions", e))?;
        tx.execute(
            "INSERT INTO ad_audit (at, action, ad, detail) VALUES (?1, 'purged', ?2, ?3)",
            params![
                now,
                id,
                format!("retention period ended on {until}; ad, versions and submissions deleted")
            ],
        )
        .map_err(|e| backend("writing an audit record", e))?;
        run.purged += 1;
    }
    if run.purged > 0 {
        tx.execute(
            "DELETE FROM ad_creatives WHERE sha256 NOT IN \
             (SELECT creative_sha256 FROM ad_submissions WHERE creative_sha256 IS NOT NULL \
              UNION SELECT creative_sha256 FROM ads WHERE creative_sha256 IS NOT NULL \
              UNION SELECT creative_sha256 FROM ad_versions WHERE creative_sha256 IS NOT NULL)",
            [],
        )
        .map_err(|e| backend("deleting unused creatives", e))?;
    }
    Ok(run)
}

/// Builds a record from the columns the election, sponsor and platform tables share.
type MakeRecord<T> = fn(String, String, i64, i64) -> T;

fn election(id: String, json: String, org_id: i64, updated: i64) -> ElectionRecord {
    ElectionRecord {
        id,
        json,
        org_id,
        updated,
    }
}

fn sponsor(id: String, json: String, org_id: i64, updated: i64) -> SponsorRecord {
    SponsorRecord {
        id,
        json,
        org_id,
        updated,
    }
}

fn platform(id: String, json: String, org_id: i64, updated: i64) -> PlatformRecord {
    PlatformRecord {
        id,
        json,
        org_id,
        updated,
    }
}

/// Reads one record of `table` (`ad_elections`, `ad_sponsors`, `ad_platforms`) by id.
fn record_by_id<T>(
    c: &Connection,
    table: &str,
    id: &str,
    make: MakeRecord<T>,
) -> Result<Option<T>> {
    c.prepare_cached(&format!(
        "SELECT id, json, org_id, updated FROM {table} WHERE id = ?1"
    ))
    .and_then(|mut st| {
        st.query_row([id], |r| {
            Ok(make(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()
    })
    .map_err(|e| backend(format!("reading {table}"), e))
}

/// Reads the records of `table` with id greater than `after`, by id, at most `limit`.
fn list_records<T>(
    c: &Connection,
    table: &str,
    after: &str,
    limit: usize,
    make: MakeRecord<T>,
) -> Result<Vec<T>> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT id, json, org_id, updated FROM {table} WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))
        .map_err(|e| backend(format!("listing {table}"), e))?;
    let rows = st
        .query_map(
            params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| Ok(make(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(|e| backend(format!("listing {table}"), e))?;
    rows.collect::<rusqlite::Result<_>>()
        .map_err(|e| backend(format!("listing {table}"), e))
}

impl AdStore for SqliteStore {
    fn put_election(&self, e: &ElectionRecord) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO ad_elections (id, json, org_id, updated) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (id) DO UPDATE SET json = ?2, updated = ?4 \
                     WHERE ad_elections.org_id = ?3",
                    params![e.id, e.json, e.org_id, e.updated],
                )
                .map_err(|err| backend("storing an election", err))?;
            if n == 0 {
                return Err(StoreError::NotOwner {
                    id: format!("election {}", e.id),
                });
            }
            Ok(())
        })
    }

    fn election_by_id(&self, id: &str) -> Result<Option<ElectionRecord>> {
        self.read(|c| record_by_id(c, "ad_elections", id, election))
    }

    fn list_elections(&self) -> Result<Vec<ElectionRecord>> {
        self.read(|c| list_records(c, "ad_elections", "", usize::MAX, election))
    }

    fn put_sponsor(&self, sp: &SponsorRecord) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO ad_sponsors (id, json, org_id, updated) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (id) DO UPDATE SET json = ?2, updated = ?4 \
                     WHERE ad_sponsors.org_id = ?3",
                    params![sp.id, sp.json, sp.org_id, sp.updated],
                )
                .map_err(|err| backend("storing a sponsor", err))?;
            if n == 0 {
                return Err(StoreError::NotOwner {
                    id: format!("sponsor {}", sp.id),
                });
            }
            Ok(())
        })
    }

    fn sponsor_by_id(&self, id: &str) -> Result<Option<SponsorRecord>> {
        self.read(|c| record_by_id(c, "ad_sponsors", id, sponsor))
    }

    fn list_sponsors(&self, after: &str, limit: usize) -> Result<Vec<SponsorRecord>> {
        self.read(|c| list_records(c, "ad_sponsors", after, limit, sponsor))
    }

    fn put_platform(&self, p: &PlatformRecord) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO ad_platforms (id, json, org_id, updated) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (id) DO UPDATE SET json = ?2, org_id = ?3, updated = ?4",
                params![p.id, p.json, p.org_id, p.updated],
            )
            .map_err(|err| backend("storing a platform", err))?;
            Ok(())
        })
    }

    fn platform_by_id(&self, id: &str) -> Result<Option<PlatformRecord>> {
        self.read(|c| record_by_id(c, "ad_platforms", id, platform))
    }

    fn list_platforms(&self) -> Result<Vec<PlatformRecord>> {
        self.read(|c| list_records(c, "ad_platforms", "", usize::MAX, platform))
    }

    fn ad_versions(&self, ad: i64) -> Result<Vec<AdVersionRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT version, COALESCE(published, 0), creative_sha256, public_json \
                     FROM ad_versions WHERE ad = ?1 ORDER BY version",
                )
                .map_err(|e| backend("reading ad versions", e))?;
            let rows = st
                .query_map([ad], |r| {
                    Ok(AdVersionRow {
                        version: r.get(0)?,
                        published: r.get(1)?,
                        creative_sha256: r.get(2)?,
                        public_json: r.get(3)?,
                    })
                })
                .map_err(|e| backend("reading ad versions", e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| backend("reading ad versions", e))
        })
    }

    fn add_ad_submission(&self, sub: &NewAdSubmission) -> Result<AdSubmitted> {
        self.write(|tx| add_submission(tx, sub))
    }

    fn add_ad_submissions(&self, subs: &[NewAdSubmission]) -> Result<Vec<AdSubmitted>> {
        if subs.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| subs.iter().map(|s| add_submission(tx, s)).collect())
    }

    fn set_violation_incident(&self, violation_id: i64, incident_id: &str) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE ad_violations SET incident_id = ?2 WHERE id = ?1",
                    params![violation_id, incident_id],
                )
                .map_err(|e| backend("recording an incident", e))?;
            if n == 0 {
                return Err(store::StoreError::NotFound(format!(
                    "violation {violation_id}"
                )));
            }
            Ok(())
        })
    }

    fn ad_by_id(&self, id: i64) -> Result<Option<AdRow>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {AD_COLS} FROM ads a WHERE a.id = ?1"),
                [id],
                ad_from_row,
            )
            .optional()
            .map_err(|e| backend("reading an ad", e))
        })
    }

    fn max_ad_id(&self) -> Result<i64> {
        self.read(|c| {
            c.query_row("SELECT coalesce(max(id), 0) FROM ads", [], |r| r.get(0))
                .map_err(|e| backend("reading the largest ad id", e))
        })
    }

    fn search_ads(&self, query: &AdQuery) -> Result<Vec<AdRow>> {
        self.read(|c| search(c, query))
    }

    fn election_ads_page(
        &self,
        election: &str,
        after: i64,
        upto: i64,
        limit: usize,
    ) -> Result<Vec<AdRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            // The (term, ad) primary key of ad_terms is the keyset: each page is one seek.
            let mut st = c
                .prepare_cached(&export_page_sql())
                .map_err(|e| backend("preparing an election export", e))?;
            let rows = st
                .query_map(
                    params![format!("e:{}", election.to_lowercase()), after, upto, limit],
                    ad_from_row,
                )
                .map_err(|e| backend("exporting an election", e))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| backend("reading an exported ad", e))
        })
    }

    fn creative(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.read(|c| {
            c.query_row(
                "SELECT media_type, bytes FROM ad_creatives WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| backend("reading a creative", e))
        })
    }

    fn ad_submissions(&self, platform_org_id: i64, ad_id: &str) -> Result<Vec<SubmissionRow>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT id, platform_org_id, ad_id, verdict, published, received \
                     FROM ad_submissions WHERE platform_org_id = ?1 AND ad_id = ?2 ORDER BY id",
                )
                .map_err(|e| backend("listing submissions", e))?;
            let rows = st
                .query_map(params![platform_org_id, ad_id], |r| {
                    Ok(SubmissionRow {
                        id: r.get(0)?,
                        platform_org_id: r.get(1)?,
                        ad_id: r.get(2)?,
                        verdict: r.get(3)?,
                        published: r.get(4)?,
                        received: r.get(5)?,
                    })
                })
                .map_err(|e| backend("listing submissions", e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| backend("listing submissions", e))
        })
    }

    fn list_violations(&self, q: &ViolationQuery<'_>) -> Result<Vec<ViolationRow>> {
        self.read(|c| {
            // Election ids are matched exactly in the comma-separated list (`instr`, not
            // `LIKE`, whose `_` would match any character).
            let mut st = c
                .prepare_cached(
                    "SELECT v.id, v.submission_id, s.platform_org_id, s.ad_id, s.verdict, \
                     v.rule_id, v.outcome, v.foreign_funding, v.elections, v.detail_json, \
                     s.received, v.incident_id FROM ad_violations v \
                     JOIN ad_submissions s ON s.id = v.submission_id \
                     WHERE v.id > ?1 \
                     AND (?2 IS NULL OR instr(',' || v.elections || ',', ',' || ?2 || ',') > 0) \
                     AND (?3 IS NULL OR EXISTS (SELECT 1 FROM ad_elections e \
                          WHERE e.org_id = ?3 \
                          AND instr(',' || v.elections || ',', ',' || e.id || ',') > 0)) \
                     ORDER BY v.id LIMIT ?4",
                )
                .map_err(|e| backend("listing violations", e))?;
            let rows = st
                .query_map(
                    params![
                        q.after,
                        q.election,
                        q.authority_org,
                        i64::try_from(q.limit).unwrap_or(i64::MAX)
                    ],
                    violation_from_row,
                )
                .map_err(|e| backend("listing violations", e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| backend("listing violations", e))
        })
    }

    fn ad_setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row("SELECT value FROM ad_settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| backend("reading a registry setting", e))
        })
    }

    fn set_ad_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO ad_settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map_err(|e| backend("writing a registry setting", e))?;
            Ok(())
        })
    }

    fn run_ad_retention(&self, today: &str, now: i64) -> Result<RetentionRun> {
        self.write(|tx| retention(tx, today, now))
    }

    fn ad_audit(&self, after: i64, limit: usize) -> Result<Vec<AuditRow>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT id, at, action, ad, detail FROM ad_audit WHERE id > ?1 \
                     ORDER BY id LIMIT ?2",
                )
                .map_err(|e| backend("reading audit records", e))?;
            let rows = st
                .query_map(
                    params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        Ok(AuditRow {
                            id: r.get(0)?,
                            at: r.get(1)?,
                            action: r.get(2)?,
                            ad: r.get(3)?,
                            detail: r.get(4)?,
                        })
                    },
                )
                .map_err(|e| backend("reading audit records", e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| backend("reading audit records", e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_page_seeks_the_term_index_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let s = SqliteStore::open(&dir.path().join("rrm.db")).expect("open");
        let plan: Vec<String> = s
            .read(|c| {
                let mut st = c
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", export_page_sql()))
                    .map_err(|e| backend("explain", e))?;
                let rows = st
                    .query_map(params!["e:x", 0, 10, 5], |r| r.get::<_, String>(3))
                    .map_err(|e| backend("explain", e))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| backend("explain", e))
            })
            .expect("plan");
        let text = plan.join(" | ");
        assert!(
            text.contains("SEARCH t USING PRIMARY KEY (term=? AND ad>? AND ad<?)"),
            "{text}"
        );
        assert!(!text.contains("TEMP B-TREE"), "{text}");
        assert!(!text.contains("SCAN"), "{text}");
    }
}
