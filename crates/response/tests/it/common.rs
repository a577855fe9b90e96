//! Actors and strategies shared by the test modules.

use proptest::prelude::*;
use response::{Actor, Membership, Role, Sector};

/// The organisations of the simulated case: 1 owns it, 2 and 3 take part, 4 is outside.
pub const ORGS: [i64; 4] = [1, 2, 3, 4];

/// How organisation `org` stands towards the simulated record.
pub fn membership_of(org: i64) -> Membership {
    match org {
        1 => Membership::Owner,
        2 | 3 => Membership::Participant,
        _ => Membership::Outsider,
    }
}

/// An actor of `org` with `role`; user ids are `org * 10 + n`.
pub fn actor(user: i64, org: i64, role: Role) -> Actor {
    Actor {
        user_id: user,
        org_id: org,
        role,
        sector: Sector::Government,
        membership: membership_of(org),
    }
}

/// Any role.
pub fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![
        Role::Reader,
        Role::Analyst,
        Role::Admin,
        Role::Operator,
    ])
}

/// Any actor: one of three users in each of the four organisations, any role and sector.
pub fn any_actor() -> impl Strategy<Value = Actor> {
    (
        prop::sample::select(ORGS.to_vec()),
        0..3i64,
        role(),
        prop::sample::select(Sector::ALL.to_vec()),
    )
        .prop_map(|(org, n, role, sector)| Actor {
            sector,
            ..actor(org * 10 + n, org, role)
        })
}
