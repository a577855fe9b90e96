-- Political-advertising registry, second step: sponsors and platforms as records of their
-- own, and the public document of every published ad version.

-- Sponsors, payers and controlling entities; only the registering organisation replaces one.
CREATE TABLE ad_sponsors (
    id      TEXT PRIMARY KEY,
    json    TEXT NOT NULL,
    org_id  INTEGER NOT NULL REFERENCES orgs(id),
    updated INTEGER NOT NULL
);

-- Platforms (id = the organisation's slug) with their monthly reach by language.
CREATE TABLE ad_platforms (
    id      TEXT PRIMARY KEY,
    json    TEXT NOT NULL,
    org_id  INTEGER NOT NULL REFERENCES orgs(id),
    updated INTEGER NOT NULL
);

-- Each version keeps when it was published, its creative and its public document.
ALTER TABLE ad_versions ADD COLUMN published INTEGER;
ALTER TABLE ad_versions ADD COLUMN creative_sha256 TEXT;
ALTER TABLE ad_versions ADD COLUMN public_json TEXT;

UPDATE ad_versions SET published =
    (SELECT received FROM ad_submissions s WHERE s.id = ad_versions.submission_id);
UPDATE ad_versions SET
    creative_sha256 = (SELECT creative_sha256 FROM ads WHERE ads.id = ad_versions.ad),
    public_json = (SELECT public_json FROM ads WHERE ads.id = ad_versions.ad)
    WHERE version = (SELECT version FROM ads WHERE ads.id = ad_versions.ad);
