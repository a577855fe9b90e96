//! Counted slots per client address: at most `limit` holders per address at a time, each
//! slot given back when its guard is dropped. Used for connections and streamed exports.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The key a client address is counted under: the address itself for IPv4 (and IPv4-mapped
/// IPv6), the /64 prefix for IPv6, since one IPv6 client usually holds a whole /64.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// At most `limit` slots per client key.
#[derive(Debug)]
pub(crate) struct PerClient {
    limit: usize,
    held: Mutex<HashMap<Option<IpAddr>, usize>>,
}

/// One held slot; dropping it gives the slot back.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    owner: Arc<PerClient>,
    key: Option<IpAddr>,
}

impl PerClient {
    /// A counter allowing `limit` slots per client (0 means no limit).
    pub(crate) fn new(limit: usize) -> Arc<PerClient> {
        Arc::new(PerClient {
            limit,
            held: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a slot for `ip` (`None`: the unknown client, one shared key), or `None` when
    /// that client already holds `limit`.
    pub(crate) fn try_take(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<ClientSlot> {
        let key = ip.map(client_key);
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let n = held.entry(key).or_insert(0);
        if self.limit > 0 && *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            owner: Arc::clone(self),
            key,
        })
    }

    /// How many slots `ip` holds now.
    #[cfg(test)]
    pub(crate) fn held(&self, ip: Option<IpAddr>) -> usize {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.get(&ip.map(client_key)).copied().unwrap_or(0)
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut held = self.owner.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_client_and_given_back() {
        let p = PerClient::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let s1 = p.try_take(Some(a)).unwrap();
        let _s2 = p.try_take(Some(a)).unwrap();
        assert!(p.try_take(Some(a)).is_none());
        assert!(p.try_take(Some(b)).is_some());
        drop(s1);
        assert_eq!(p.held(Some(a)), 1);
        assert!(p.try_take(Some(a)).is_some());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_v4_as_v4() {
        let p = PerClient::new(1);
        let _x = p
            .try_take(Some("2001:db8:1:2::1".parse().unwrap()))
            .unwrap();
        assert!(p
            .try_take(Some("2001:db8:1:2::ffff".parse().unwrap()))
            .is_none());
        assert!(p
            .try_take(Some("2001:db8:1:3::1".parse().unwrap()))
            .is_some());
        let _y = p.try_take(Some("192.0.2.1".parse().unwrap())).unwrap();
        assert!(p
            .try_take(Some("::ffff:192.0.2.1".parse().unwrap()))
            .is_none());
    }

    #[test]
    fn zero_means_unlimited() {
        let p = PerClient::new(0);
        let slots: Vec<_> = (0..100).filter_map(|_| p.try_take(None)).collect();
        assert_eq!(slots.len(), 100);
    }
}
