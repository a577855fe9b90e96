-- Political-advertising registry: elections, creatives, submissions, published ads with
-- versions and search terms, violations, settings and audit records.

CREATE TABLE ad_elections (
    id      TEXT PRIMARY KEY,
    json    TEXT NOT NULL,
    org_id  INTEGER NOT NULL REFERENCES orgs(id),
    updated INTEGER NOT NULL
);

-- Creatives, addressed by the SHA-256 of their bytes.
CREATE TABLE ad_creatives (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    bytes      BLOB NOT NULL
);

-- Every submission, accepted or rejected; rejected ones are never published.
CREATE TABLE ad_submissions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    platform_org_id INTEGER NOT NULL REFERENCES orgs(id),
    user_id         INTEGER NOT NULL,
    ad_id           TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    published       INTEGER NOT NULL,
    submission_json TEXT NOT NULL,
    result_json     TEXT NOT NULL,
    creative_sha256 TEXT REFERENCES ad_creatives(sha256),
    received        INTEGER NOT NULL
);
CREATE INDEX ad_submissions_by_ad ON ad_submissions(platform_org_id, ad_id, id);

-- Published ads: one row per platform ad; the id is the stable public id, never reused.
CREATE TABLE ads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    platform_org_id INTEGER NOT NULL REFERENCES orgs(id),
    ad_id           TEXT NOT NULL,
    version         INTEGER NOT NULL,
    public          INTEGER NOT NULL,
    sponsor         TEXT NOT NULL,
    sponsor_name    TEXT NOT NULL,
    payer           TEXT NOT NULL,
    payer_name      TEXT NOT NULL,
    platform        TEXT NOT NULL,
    elections       TEXT NOT NULL,
    start_day       TEXT NOT NULL,
    end_day         TEXT NOT NULL,
    regions         TEXT NOT NULL,
    languages       TEXT NOT NULL,
    spend_minor     INTEGER,
    currency        TEXT NOT NULL,
    text            TEXT NOT NULL,
    creative_sha256 TEXT REFERENCES ad_creatives(sha256),
    publish_until   TEXT,
    keep_until      TEXT,
    public_json     TEXT NOT NULL,
    updated         INTEGER NOT NULL,
    UNIQUE (platform_org_id, ad_id)
);
CREATE INDEX ads_publish_until ON ads(publish_until) WHERE public = 1;
CREATE INDEX ads_keep_until ON ads(keep_until);

-- Every published version of an ad.
CREATE TABLE ad_versions (
    ad            INTEGER NOT NULL REFERENCES ads(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES ad_submissions(id),
    PRIMARY KEY (ad, version)
) WITHOUT ROWID;

-- Exact-match search terms of an ad: s: sponsor, y: payer, p: platform, e: election,
-- r: region, l: language (ids and names lower-cased).
CREATE TABLE ad_terms (
    term TEXT NOT NULL,
    ad   INTEGER NOT NULL REFERENCES ads(id) ON DELETE CASCADE,
    PRIMARY KEY (term, ad)
) WITHOUT ROWID;
CREATE INDEX ad_terms_by_ad ON ad_terms(ad);

-- Full-text search over the ad text and the sponsor and payer names; rowid = ads.id.
CREATE VIRTUAL TABLE ads_fts USING fts5(text, names);

CREATE TABLE ad_violations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id   INTEGER NOT NULL REFERENCES ad_submissions(id) ON DELETE CASCADE,
    rule_id         TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    foreign_funding INTEGER NOT NULL,
    elections       TEXT NOT NULL,
    detail_json     TEXT NOT NULL,
    incident_id     TEXT
);
CREATE INDEX ad_violations_by_submission ON ad_violations(submission_id);

CREATE TABLE ad_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE ad_audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    action TEXT NOT NULL,
    ad     INTEGER NOT NULL,
    detail TEXT NOT NULL
);
