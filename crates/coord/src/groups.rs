//! Coordinated groups: connected components of the union of thresholded networks, with evidence.

use crate::corpus::{Corpus, NONE};
use crate::networks::Network;
use crate::text;
use crate::Edge;
use std::collections::BTreeMap;

/// An item (reposted post, reply target, URL or normalised text) that group members shared.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedItem {
    /// "repost", "reply", "url" or "text".
    pub kind: &'static str,
    /// The post id, URL or normalised text.
    pub value: String,
    /// Distinct group members who shared it.
    pub accounts: usize,
    /// Posts by group members that shared it.
    pub posts: usize,
}

/// Per-network evidence inside a group.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEvidence {
    /// The network.
    pub network: Network,
    /// Directed edges of this network between members.
    pub edges: usize,
    /// Sum of their weights.
    pub weight: u64,
}

/// A group of accounts that acted together.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Member user ids (dense corpus ids), sorted by platform id.
    pub members: Vec<u32>,
    /// Networks with edges inside the group.
    pub networks: Vec<NetworkEvidence>,
    /// Items shared by at least two members, most shared first (at most 10).
    pub shared_items: Vec<SharedItem>,
    /// Earliest time of the shared items' posts (all member posts if none).
    pub first_time: i64,
    /// Latest time of the shared items' posts (all member posts if none).
    pub last_time: i64,
    /// Up to three distinct member texts, shared texts first.
    pub sample_texts: Vec<String>,
    /// Total internal edge weight divided by the member count (mean weighted out-degree).
    pub score: f64,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Groups accounts: connected components (of at least two accounts) of the undirected
/// union of the given networks' edges. Groups are sorted by score, highest first.
pub fn find_groups(corpus: &Corpus, networks: &[(Network, &[Edge])]) -> Vec<Group> {
    let n_users = corpus.user_count();
    let mut parent: Vec<u32> = (0..n_users as u32).collect();
    for (_, edges) in networks {
        for e in edges.iter() {
            if (e.source as usize) < n_users && (e.target as usize) < n_users {
                let (a, b) = (find(&mut parent, e.source), find(&mut parent, e.target));
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
    }
    let mut components: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut involved = vec![false; n_users];
    for (_, edges) in networks {
        for e in edges.iter() {
            for u in [e.source, e.target] {
                if (u as usize) < n_users {
                    involved[u as usize] = true;
                }
            }
        }
    }
    for u in 0..n_users as u32 {
        if involved[u as usize] {
            let root = find(&mut parent, u);
            components.entry(root).or_default().push(u);
        }
    }
    let mut group_of = vec![NONE; n_users];
    let mut groups: Vec<Group> = Vec::new();
    for members in components.into_values().filter(|m| m.len() >= 2) {
        for &m in &members {
            group_of[m as usize] = groups.len() as u32;
        }
        groups.push(Group {
            members,
            networks: Vec::new(),
            shared_items: Vec::new(),
            first_time: i64::MAX,
            last_time: i64::MIN,
            sample_texts: Vec::new(),
            score: 0.0,
        });
    }
    let mut total = vec![0u64; groups.len()];
    for (network, edges) in networks {
        let mut per: Vec<(usize, u64)> = vec![(0, 0); groups.len()];
        for e in edges.iter() {
            let g = group_of.get(e.source as usize).copied().unwrap_or(NONE);
            if g != NONE {
                per[g as usize].0 += 1;
                per[g as usize].1 += e.weight as u64;
            }
        }
        for (g, (n, w)) in per.into_iter().enumerate() {
            if n > 0 {
                groups[g].networks.push(NetworkEvidence {
                    network: *network,
                    edges: n,
                    weight: w,
                });
                total[g] += w;
            }
        }
    }
    // Items shared by members: (group, kind, item id, user, time, post), integers only.
    let mut items: Vec<(u32, u8, u32, u32, i64, u32)> = Vec::new();
    let mut texts = crate::intern::Interner::new();
    let (mut scratch, mut norm) = (String::new(), String::new());
    for i in 0..corpus.len() {
        let u = corpus.user[i];
        let g = group_of[u as usize];
        if g == NONE {
            continue;
        }
        let t = corpus.time[i];
        if corpus.repost[i] != NONE {
            items.push((g, 0, corpus.repost[i], u, t, i as u32));
            continue;
        }
        if corpus.reply[i] != NONE {
            items.push((g, 1, corpus.reply[i], u, t, i as u32));
        }
        for &url in corpus.url_range(i) {
            items.push((g, 2, url, u, t, i as u32));
        }
        text::normalize_into(corpus.post_text(i as u32), &mut scratch, &mut norm);
        if !norm.is_empty() {
            if let Some((k, _)) = texts.intern(&norm) {
                items.push((g, 3, k, u, t, i as u32));
            }
        }
    }
    items.sort_unstable_by_key(|x| (x.0, x.1, x.2, x.3));
    const KINDS: [&str; 4] = ["repost", "reply", "url", "text"];
    let mut shared: Vec<Vec<(SharedItem, i64, i64, u32)>> = vec![Vec::new(); groups.len()];
    for chunk in items.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2) {
        let mut accounts = 0;
        for (k, it) in chunk.iter().enumerate() {
            if k == 0 || it.3 != chunk[k - 1].3 {
                accounts += 1;
            }
        }
        if accounts < 2 {
            continue;
        }
        let first = chunk.iter().map(|x| x.4).min().unwrap_or(0);
        let last = chunk.iter().map(|x| x.4).max().unwrap_or(0);
        let head = &chunk[0];
        let value = match head.1 {
            0 | 1 => corpus.id_string(head.2),
            2 => corpus.url_string(head.2),
            _ => texts.get(head.2),
        };
        shared[head.0 as usize].push((
            SharedItem {
                kind: KINDS[head.1 as usize],
                value: value.to_string(),
                accounts,
                posts: chunk.len(),
            },
            first,
            last,
            head.5,
        ));
    }
    for (g, group) in groups.iter_mut().enumerate() {
        let mut list = std::mem::take(&mut shared[g]);
        for (_, first, last, _) in &list {
            group.first_time = group.first_time.min(*first);
            group.last_time = group.last_time.max(*last);
        }
        list.sort_by(|a, b| {
            (b.0.accounts, b.0.posts)
                .cmp(&(a.0.accounts, a.0.posts))
                .then_with(|| a.0.value.cmp(&b.0.value))
        });
        for (item, _, _, post) in &list {
            if item.kind == "text" && group.sample_texts.len() < 3 {
                let t = corpus.post_text(*post).to_string();
                if !group.sample_texts.contains(&t) {
                    group.sample_texts.push(t);
                }
            }
        }
        list.truncate(10);
        group.shared_items = list.into_iter().map(|x| x.0).collect();
        group.score = total[g] as f64 / group.members.len() as f64;
        group
            .members
            .sort_by(|&a, &b| corpus.user_name(a).cmp(corpus.user_name(b)));
    }
    // Fallbacks from all member posts: time span and sample texts.
    for i in 0..corpus.len() {
        let g = group_of[corpus.user[i] as usize];
        if g == NONE {
            continue;
        }
        let group = &mut groups[g as usize];
        if group.shared_items.is_empty() {
            group.first_time = group.first_time.min(corpus.time[i]);
            group.last_time = group.last_time.max(corpus.time[i]);
        }
        if group.sample_texts.len() < 3 && corpus.repost[i] == NONE {
            let t = corpus.post_text(i as u32);
            if !t.is_empty() && !group.sample_texts.iter().any(|s| s == t) {
                group.sample_texts.push(t.to_string());
            }
        }
    }
    groups.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.members.len().cmp(&a.members.len()))
            .then_with(|| {
                corpus
                    .user_name(a.members[0])
                    .cmp(corpus.user_name(b.members[0]))
            })
    });
    groups
}
