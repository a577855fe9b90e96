//! Audit: the `AuditStore` storage contract for the Merkle tree over the audit log and its
//! signed checkpoints. Records are appended by the methods of every domain that take a
//! `NewAudit`, in their own transactions; this trait reads the tree and keeps checkpoints.

use std::ops::ControlFlow;

use crate::{AuditEntry, AuditLeaf, AuditNode, Checkpoint, NewAudit, Result};

/// Everything `AuditStore::scan_audit` hands out, from one read snapshot.
pub enum AuditItem {
    /// A stored checkpoint (all of them come first, by size).
    Checkpoint(Checkpoint),
    /// A stored leaf (then every leaf, by index).
    Leaf(AuditLeaf),
    /// A record (then every record, by `seq`, with `leaf` filled from the stored leaves).
    Entry(AuditEntry),
    /// A stored interior node (then every node, by level and index).
    Node(AuditNode),
}

/// The audit log's Merkle tree: leaf hashes and complete-subtree hashes, kept by the backend
/// as records are appended, and signed checkpoints.
pub trait AuditStore: Send + Sync + 'static {
    /// Appends a record that goes with no other change (an export), in its own transaction.
    fn append_audit(&self, audit: &NewAudit) -> Result<AuditEntry>;
    /// How many records the tree holds.
    fn audit_size(&self) -> Result<u64>;
    /// The stored hashes of complete subtrees given as `(level, index)`; `None` for one that
    /// is not stored.
    fn audit_nodes(&self, nodes: &[(u32, u64)]) -> Result<Vec<Option<[u8; 32]>>>;
    /// The record at a leaf index, if there is one.
    fn audit_entry_at(&self, index: u64) -> Result<Option<AuditEntry>>;
    /// Stores a checkpoint; if one of the same size exists it is kept and returned instead.
    fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<Checkpoint>;
    /// Every checkpoint, by size.
    fn list_checkpoints(&self) -> Result<Vec<Checkpoint>>;
    /// Hands every checkpoint, leaf, record and interior node to `f` in that order, all
    /// from one read snapshot; `f` may stop early.
    fn scan_audit(&self, f: &mut dyn FnMut(AuditItem) -> ControlFlow<()>) -> Result<()>;
}
