//! The verifiable audit log: signed checkpoints over the Merkle tree of the audit log,
//! inclusion and consistency proofs a partner checks without trusting the operator, and the
//! full verification of the stored log that `rrm audit verify` runs.

use std::collections::HashMap;
use std::ops::ControlFlow;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use merkle::{Hash, MemoryTree, Node};
use store::{AuditItem, AuditLeaf, Checkpoint, NewAudit};

use crate::accounts::{require_operator, Actor};
use crate::{Hub, HubError, Principal};

/// An inclusion proof: the audit path of one record's leaf in the tree of `size` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf index.
    pub index: u64,
    /// The tree size the proof is for.
    pub size: u64,
    /// The leaf hash.
    pub leaf_hash: Hash,
    /// The audit path, nearest the leaf first (RFC 6962 2.1.1).
    pub path: Vec<Hash>,
    /// The tree head of `size` records the path leads to.
    pub root: Hash,
}

/// A consistency proof between two tree sizes (RFC 6962 2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// The older size.
    pub old: u64,
    /// The newer size.
    pub new: u64,
    /// The tree head at the older size.
    pub old_root: Hash,
    /// The tree head at the newer size.
    pub new_root: Hash,
    /// The proof.
    pub path: Vec<Hash>,
}

/// The first thing wrong in a stored audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    /// The leaf index of the first bad record, when one can be named.
    pub index: Option<u64>,
    /// Its `seq`, when known.
    pub seq: Option<i64>,
    /// What is wrong, naming the record.
    pub message: String,
}

/// What `Hub::verify_audit` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Records read.
    pub entries: u64,
    /// Stored interior nodes read.
    pub nodes: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// The head of the tree recomputed from the records.
    pub root: Hash,
    /// The first problem, or `None` when everything verifies.
    pub problem: Option<AuditProblem>,
}

/// Progress of a verification, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyProgress {
    /// Records and nodes checked so far.
    pub done: u64,
    /// Records and nodes to check (known once the leaves are read).
    pub total: u64,
}

/// Nodes fetched from the store for one tree head or proof.
struct Fetched(HashMap<Node, Hash>);

impl merkle::Source for Fetched {
    type Error = HubError;
    fn node(&mut self, node: Node) -> Result<Hash, HubError> {
        self.0.get(&node).copied().ok_or_else(|| {
            HubError::internal(
                format!(
                    "the audit tree lacks its node at level {} index {}",
                    node.level, node.index
                ),
                std::io::Error::other("missing audit node"),
            )
        })
    }
}

fn proof_error(e: merkle::Error<HubError>) -> HubError {
    match e {
        merkle::Error::Source(e) => e,
        merkle::Error::IndexOutOfRange { index, size } => HubError::invalid(
            "index",
            format!("leaf {index} is not in a tree of {size} records"),
        ),
        merkle::Error::SizesOutOfOrder { old, new } => {
            HubError::invalid("old", format!("tree size {old} is above tree size {new}"))
        }
    }
}

fn infallible(e: merkle::Error<std::convert::Infallible>) -> merkle::Error<HubError> {
    match e {
        merkle::Error::IndexOutOfRange { index, size } => {
            merkle::Error::IndexOutOfRange { index, size }
        }
        merkle::Error::SizesOutOfOrder { old, new } => merkle::Error::SizesOutOfOrder { old, new },
        merkle::Error::Source(never) => match never {},
    }
}

impl Hub {
    fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.config().audit_key)
    }

    /// The instance's ed25519 public key, which signs every checkpoint.
    pub fn audit_public_key(&self) -> [u8; 32] {
        self.signing_key().verifying_key().to_bytes()
    }

    /// How many records the audit tree holds.
    pub fn audit_size(&self) -> Result<u64, HubError> {
        Ok(self.audit_store().audit_size()?)
    }

    /// Fetches the given complete subtrees in one store read.
    fn fetch(&self, nodes: Vec<Node>) -> Result<Fetched, HubError> {
        let wanted: Vec<(u32, u64)> = nodes.iter().map(|n| (n.level, n.index)).collect();
        let got = self.audit_store().audit_nodes(&wanted)?;
        let mut map = HashMap::with_capacity(nodes.len());
        for (node, hash) in nodes.into_iter().zip(got) {
            if let Some(h) = hash {
                map.insert(node, h);
            }
        }
        Ok(Fetched(map))
    }

    /// Checks that a size asked for is one the tree has reached.
    fn check_size(&self, field: &str, size: u64) -> Result<u64, HubError> {
        let have = self.audit_size()?;
        if size > have {
            return Err(HubError::invalid(
                field,
                format!("the audit log has {have} records, fewer than {size}"),
            ));
        }
        Ok(have)
    }

    /// The tree head of the first `size` records.
    pub fn audit_root(&self, size: u64) -> Result<Hash, HubError> {
        self.check_size("size", size)?;
        let mut src = self.fetch(merkle::root_nodes(size))?;
        merkle::root(&mut src, size)
    }

    /// Signs a checkpoint of the tree as it is now and stores it (a checkpoint of the same
    /// size, if one exists, is kept and returned).
    fn sign_checkpoint(&self) -> Result<Checkpoint, HubError> {
        let size = self.audit_size()?;
        let root = self.audit_root(size)?;
        let at = crate::now_secs();
        let signature = self
            .signing_key()
            .sign(&Checkpoint::signed_bytes(size, &root, at))
            .to_bytes();
        Ok(self.audit_store().add_checkpoint(&Checkpoint {
            size,
            root,
            at,
            signature,
        })?)
    }

    /// A checkpoint made on demand (the operator only).
    pub fn audit_checkpoint(&self, actor: Actor<'_>) -> Result<Checkpoint, HubError> {
        require_operator(&actor, "making an audit checkpoint")?;
        self.sign_checkpoint()
    }

    /// The scheduled checkpoint: made only when the log grew since the latest one (or there
    /// is none yet).
    pub fn audit_checkpoint_if_grown(&self) -> Result<Option<Checkpoint>, HubError> {
        let size = self.audit_size()?;
        let latest = self.audit_store().list_checkpoints()?.pop();
        if latest.is_some_and(|c| c.size >= size) {
            return Ok(None);
        }
        self.sign_checkpoint().map(Some)
    }

    /// Every checkpoint, by size.
    pub fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>, HubError> {
        Ok(self.audit_store().list_checkpoints()?)
    }

    /// The inclusion proof of the record at leaf `index` in the tree of `size` records.
    pub fn audit_inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, HubError> {
        self.check_size("size", size)?;
        let nodes = merkle::inclusion_nodes(index, size).map_err(|e| proof_error(infallible(e)))?;
        let mut src = self.fetch(
            nodes
                .into_iter()
                .chain(merkle::root_nodes(size))
                .chain([Node { level: 0, index }])
                .collect(),
        )?;
        let path = merkle::inclusion_proof(&mut src, index, size).map_err(proof_error)?;
        let root = merkle::root(&mut src, size)?;
        let leaf_hash = merkle::Source::node(&mut src, Node { level: 0, index })?;
        Ok(InclusionProof {
            index,
            size,
            leaf_hash,
            path,
            root,
        })
    }

    /// The consistency proof between the trees of `old` and `new` records.
    pub fn audit_consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof, HubError> {
        self.check_size("new", new)?;
        let nodes = merkle::consistency_nodes(old, new).map_err(|e| proof_error(infallible(e)))?;
        let mut src = self.fetch(
            nodes
                .into_iter()
                .chain(merkle::root_nodes(old))
                .chain(merkle::root_nodes(new))
                .collect(),
        )?;
        let path = merkle::consistency_proof(&mut src, old, new).map_err(proof_error)?;
        Ok(ConsistencyProof {
            old,
            new,
            old_root: merkle::root(&mut src, old)?,
            new_root: merkle::root(&mut src, new)?,
            path,
        })
    }

    /// Appends a record that goes with no other change (an export), on behalf of `p`; the
    /// record is about `p`'s organisation. For the service crates' exports.
    pub fn record_export(&self, p: &Principal, target: &str, detail: &str) -> Result<(), HubError> {
        self.audit_store().append_audit(&NewAudit {
            actor: p.user.username.clone(),
            actor_org_id: Some(p.org.id),
            action: "export".to_string(),
            target: target.to_string(),
            target_org_id: Some(p.org.id),
            detail: detail.to_string(),
        })?;
        Ok(())
    }

    /// Recomputes the whole tree from the stored records (one read snapshot) and checks every
    /// stored leaf and subtree hash and every checkpoint's signature (with this instance's
    /// key) and root. The report names the first bad record when there is one.
    pub fn verify_audit(
        &self,
        progress: &mut dyn FnMut(VerifyProgress),
    ) -> Result<AuditReport, HubError> {
        let key = self.signing_key().verifying_key();
        let mut v = Verifier::default();
        self.audit_store().scan_audit(&mut |item| {
            v.take(item, progress);
            ControlFlow::Continue(())
        })?;
        Ok(v.finish(&key))
    }
}

/// The state of one verification while the scan runs.
#[derive(Default)]
struct Verifier {
    checkpoints: Vec<Checkpoint>,
    leaves: Vec<AuditLeaf>,
    entries: u64,
    tree: MemoryTree,
    /// The next interior node expected from the store, by (level, index).
    next_node: Option<(u32, u64)>,
    nodes_started: bool,
    nodes: u64,
    problems: Vec<AuditProblem>,
    entry_problem: bool,
    node_problem: bool,
    done: u64,
    total: u64,
}

impl Verifier {
    fn take(&mut self, item: AuditItem, progress: &mut dyn FnMut(VerifyProgress)) {
        match item {
            AuditItem::Checkpoint(c) => self.checkpoints.push(c),
            AuditItem::Leaf(l) => self.leaves.push(l),
            AuditItem::Entry(e) => {
                if self.entries == 0 {
                    self.total = 2 * self.leaves.len() as u64;
                }
                self.entry(e);
                self.tick(progress);
            }
            AuditItem::Node(n) => {
                if !self.nodes_started {
                    self.start_nodes();
                }
                self.node(n.level, n.index, &n.hash);
                self.tick(progress);
            }
        }
    }

    fn tick(&mut self, progress: &mut dyn FnMut(VerifyProgress)) {
        self.done += 1;
        if self.done % 65_536 == 0 {
            progress(VerifyProgress {
                done: self.done,
                total: self.total.max(self.done),
            });
        }
    }

    fn problem(&mut self, index: Option<u64>, seq: Option<i64>, message: String) {
        self.problems.push(AuditProblem {
            index,
            seq,
            message,
        });
    }

    fn entry(&mut self, e: store::AuditEntry) {
        let i = self.entries;
        self.entries += 1;
        let hash = merkle::leaf_hash(&e.canonical_bytes());
        self.tree.push(hash);
        if self.entry_problem {
            return;
        }
        let Some(leaf) = self.leaves.get(i as usize).copied() else {
            self.entry_problem = true;
            return self.problem(
                Some(i),
                Some(e.seq),
                format!(
                    "record seq {} ({}, {}) is not in the tree: it was added outside the log",
                    e.seq, e.action, e.target
                ),
            );
        };
        self.entry_problem = true;
        if leaf.index != i {
            return self.problem(
                Some(i),
                None,
                format!(
                    "leaf {i} is missing from the tree (the next stored leaf is {})",
                    leaf.index
                ),
            );
        }
        if leaf.seq < e.seq {
            return self.problem(
                Some(i),
                Some(leaf.seq),
                format!("record seq {} (leaf {i}) was removed", leaf.seq),
            );
        }
        if leaf.seq > e.seq {
            return self.problem(
                Some(i),
                Some(e.seq),
                format!(
                    "record seq {} ({}, {}) stands where the tree has record seq {} (leaf {i}): \
                     it was added or moved outside the log",
                    e.seq, e.action, e.target, leaf.seq
                ),
            );
        }
        if leaf.hash != hash {
            return self.problem(
                Some(i),
                Some(e.seq),
                format!(
                    "record seq {} (leaf {i}) was changed or moved: its content does not match \
                     its leaf hash",
                    e.seq
                ),
            );
        }
        self.entry_problem = false;
    }

    /// Called once the records are read (also when no node is stored).
    fn finish_entries(&mut self) {
        if !self.entry_problem && (self.entries as usize) < self.leaves.len() {
            let leaf = self.leaves[self.entries as usize];
            self.entry_problem = true;
            self.problem(
                Some(leaf.index),
                Some(leaf.seq),
                format!("record seq {} (leaf {}) was removed", leaf.seq, leaf.index),
            );
        }
    }

    fn start_nodes(&mut self) {
        self.nodes_started = true;
        self.finish_entries();
        self.next_node = self.first_node();
    }

    fn first_node(&self) -> Option<(u32, u64)> {
        (self.tree.height() > 1 && !self.tree.level(1).is_empty()).then_some((1, 0))
    }

    fn advance(&self, (level, index): (u32, u64)) -> Option<(u32, u64)> {
        if index + 1 < self.tree.level(level).len() as u64 {
            return Some((level, index + 1));
        }
        let next = level + 1;
        (next < self.tree.height() && !self.tree.level(next).is_empty()).then_some((next, 0))
    }

    fn node_range(level: u32, index: u64) -> (u64, u64) {
        let first = index << level;
        (first, first + (1u64 << level) - 1)
    }

    fn node(&mut self, level: u32, index: u64, hash: &Hash) {
        self.nodes += 1;
        if self.node_problem {
            return;
        }
        let (first, last) = Self::node_range(level, index);
        match self.next_node {
            Some(want) if want == (level, index) => {
                let expected = self.tree.get(Node { level, index }).copied();
                if expected.as_ref() != Some(hash) {
                    self.node_problem = true;
                    self.problem(
                        Some(first),
                        None,
                        format!(
                            "the stored subtree over leaves {first} to {last} does not match the \
                             records: one of them was changed together with its leaf hash"
                        ),
                    );
                }
                self.next_node = self.advance(want);
            }
            Some(want) if want < (level, index) => {
                self.node_problem = true;
                let (a, b) = Self::node_range(want.0, want.1);
                self.problem(
                    Some(a),
                    None,
                    format!("the stored subtree over leaves {a} to {b} was removed"),
                );
            }
            _ => {
                self.node_problem = true;
                self.problem(
                    Some(first.min(self.entries)),
                    None,
                    format!(
                        "the tree stores a subtree over leaves {first} to {last} that the \
                         records do not make: records were removed"
                    ),
                );
            }
        }
    }

    fn finish(mut self, key: &VerifyingKey) -> AuditReport {
        if !self.nodes_started {
            self.start_nodes();
        }
        if !self.node_problem {
            if let Some(want) = self.next_node {
                let (a, b) = Self::node_range(want.0, want.1);
                self.problem(
                    Some(a),
                    None,
                    format!("the stored subtree over leaves {a} to {b} was removed"),
                );
            }
        }
        let size = self.tree.size();
        let checkpoints = std::mem::take(&mut self.checkpoints);
        for c in &checkpoints {
            let when = stix::format_secs(c.at);
            let signed = Checkpoint::signed_bytes(c.size, &c.root, c.at);
            if key
                .verify_strict(&signed, &Signature::from_bytes(&c.signature))
                .is_err()
            {
                self.problem(
                    None,
                    None,
                    format!(
                        "the checkpoint of size {} ({when}) does not carry this instance's \
                         signature",
                        c.size
                    ),
                );
                break;
            }
            if c.size > size {
                self.problem(
                    Some(size),
                    None,
                    format!(
                        "the log has {size} records but the checkpoint signed {when} covers {}: \
                         the records from leaf {size} on were removed",
                        c.size
                    ),
                );
                break;
            }
            if self.tree.root(c.size) != c.root {
                self.problem(
                    None,
                    None,
                    format!(
                        "the checkpoint of size {} ({when}) does not match the records: one of \
                         the first {} was changed together with the tree",
                        c.size, c.size
                    ),
                );
                break;
            }
        }
        // Records are checked first, in order, then the subtrees over them, then the
        // checkpoints: the first problem names the first bad record.
        let problem = self.problems.into_iter().next();
        AuditReport {
            entries: self.entries,
            nodes: self.nodes,
            checkpoints: checkpoints.len() as u64,
            root: self.tree.root(size),
            problem,
        }
    }
}
