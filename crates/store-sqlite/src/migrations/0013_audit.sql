-- rrm schema, version 9: the audit log becomes an RFC 6962 Merkle tree with signed checkpoints.
--
-- Every record gets 16 random bytes (`nonce`) that are part of its leaf, so a leaf hash seen
-- in another reader's proof cannot be matched against a guessed record. The tree is stored
-- as its leaf hashes (`audit_leaves`, one per record, by leaf index) and the hash of every
-- complete subtree above them (`audit_nodes`, by level and index): about one node per record,
-- so a tree head or a proof reads O(log n) rows at any size. The leaves of records written
-- before this version are computed when the store is next opened (`audit_backfill`).

ALTER TABLE account_audit ADD COLUMN nonce BLOB;
DROP TRIGGER account_audit_no_update;
UPDATE account_audit SET nonce = randomblob(16);
CREATE TRIGGER account_audit_no_update BEFORE UPDATE ON account_audit
BEGIN
    SELECT RAISE(ABORT, 'the account audit log is append-only');
END;

CREATE TABLE audit_leaves (
    idx  INTEGER PRIMARY KEY,
    seq  INTEGER NOT NULL UNIQUE,
    hash BLOB NOT NULL
);

CREATE TABLE audit_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE audit_checkpoints (
    size      INTEGER PRIMARY KEY,
    root      BLOB NOT NULL,
    at        INTEGER NOT NULL,
    signature BLOB NOT NULL
);

-- One row while the records written before version 9 still need their leaves.
CREATE TABLE audit_backfill (pending INTEGER NOT NULL);
INSERT INTO audit_backfill (pending) VALUES (1);

CREATE TRIGGER audit_leaves_no_update BEFORE UPDATE ON audit_leaves
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;
CREATE TRIGGER audit_leaves_no_delete BEFORE DELETE ON audit_leaves
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;
CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;
CREATE TRIGGER audit_nodes_no_delete BEFORE DELETE ON audit_nodes
BEGIN
    SELECT RAISE(ABORT, 'the audit tree is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
