//! Audit cases: the Merkle tree kept over the audit log as records are appended, proofs
//! read from it, checkpoints and the one-snapshot scan.

use std::ops::ControlFlow;

use store::{AuditItem, AuditQuery, Checkpoint, NewAudit, StoreError};

use crate::{fixture, Backend};

fn record(i: usize) -> NewAudit {
    NewAudit {
        actor: format!("actor-{i}"),
        actor_org_id: Some(i as i64),
        action: "export".into(),
        target: format!("target-{i}"),
        target_org_id: None,
        detail: "d".into(),
    }
}

struct Tree<'a>(&'a dyn Backend);

impl merkle::Source for Tree<'_> {
    type Error = StoreError;
    fn node(&mut self, n: merkle::Node) -> Result<merkle::Hash, StoreError> {
        self.0
            .audit_nodes(&[(n.level, n.index)])?
            .pop()
            .flatten()
            .ok_or_else(|| StoreError::NotFound(format!("node {n:?}")))
    }
}

/// Every appended record gets the next leaf, its hash is the leaf hash of its canonical
/// bytes, and the stored subtrees give the same heads and proofs as a tree built in memory.
pub fn audit_tree(s: &dyn Backend) {
    let _fx = fixture(s);
    for i in 0..37 {
        let e = s.append_audit(&record(i)).unwrap();
        let (index, hash) = e.leaf.expect("a leaf");
        assert_eq!(hash, merkle::leaf_hash(&e.canonical_bytes()));
        assert_eq!(e.nonce.len(), 16);
        assert_eq!(s.audit_entry_at(index).unwrap(), Some(e));
    }
    let all = s
        .list_audit(&AuditQuery {
            org_id: None,
            after: 0,
            limit: 1000,
        })
        .unwrap();
    let n = s.audit_size().unwrap();
    assert_eq!(n as usize, all.len());
    let mut mem = merkle::MemoryTree::default();
    for (i, e) in all.iter().enumerate() {
        let (index, hash) = e.leaf.expect("every record has a leaf");
        assert_eq!(index, i as u64, "leaves follow seq order");
        assert_eq!(hash, merkle::leaf_hash(&e.canonical_bytes()));
        mem.push(hash);
    }
    let mut tree = Tree(s);
    for size in 0..=n {
        assert_eq!(
            merkle::root(&mut tree, size).unwrap(),
            mem.root(size),
            "size {size}"
        );
    }
    for size in [1, n / 2, n] {
        for index in [0, size / 3, size - 1] {
            let got = merkle::inclusion_proof(&mut tree, index, size).unwrap();
            let want = merkle::inclusion_proof(&mut mem, index, size).unwrap();
            assert_eq!(got, want);
        }
    }
    assert_eq!(s.audit_entry_at(n).unwrap(), None);
    assert_eq!(
        s.audit_nodes(&[(0, n), (3, 1000)]).unwrap(),
        vec![None, None]
    );
}

/// A checkpoint is stored once per size (the first one stays), and listed by size.
pub fn audit_checkpoints(s: &dyn Backend) {
    assert!(s.list_checkpoints().unwrap().is_empty());
    let cp = |size: u64, at: i64| Checkpoint {
        size,
        root: [size as u8; 32],
        at,
        signature: [at as u8; 64],
    };
    assert_eq!(s.add_checkpoint(&cp(5, 1)).unwrap(), cp(5, 1));
    assert_eq!(s.add_checkpoint(&cp(2, 2)).unwrap(), cp(2, 2));
    assert_eq!(
        s.add_checkpoint(&cp(5, 3)).unwrap(),
        cp(5, 1),
        "the first one stays"
    );
    assert_eq!(s.list_checkpoints().unwrap(), vec![cp(2, 2), cp(5, 1)]);
}

/// The scan gives checkpoints, then leaves, then records, then nodes, and may stop.
pub fn audit_scan(s: &dyn Backend) {
    for i in 0..5 {
        s.append_audit(&record(i)).unwrap();
    }
    s.add_checkpoint(&Checkpoint {
        size: 3,
        root: [1; 32],
        at: 1,
        signature: [2; 64],
    })
    .unwrap();
    let mut kinds = String::new();
    s.scan_audit(&mut |item| {
        kinds.push(match item {
            AuditItem::Checkpoint(_) => 'c',
            AuditItem::Leaf(_) => 'l',
            AuditItem::Entry(_) => 'e',
            AuditItem::Node(_) => 'n',
        });
        ControlFlow::Continue(())
    })
    .unwrap();
    // Five leaves close nodes (1,0), (1,1) and (2,0).
    assert_eq!(kinds, "clllllPeeeeennn".replace('P', ""));
    let mut seen = 0;
    s.scan_audit(&mut |_| {
        seen += 1;
        if seen == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(seen, 2);
}
