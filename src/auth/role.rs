//! The five roles and what each may do: one ladder for people (viewer → operator → engineer →
//! admin) and a side role for machines (service), which reads and pushes telemetry but never
//! acts on wells or alarms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Who a user or API key is, for authorization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything except users and the audit trail.
    Viewer,
    /// A viewer who also acknowledges and shelves alarms and restarts wells.
    Operator,
    /// An operator who also adds, removes and reconfigures wells and profiles.
    Engineer,
    /// An engineer who also manages users, API keys and reads the audit trail.
    Admin,
    /// A machine account: reads, and ingests telemetry for push devices.
    Service,
}

/// The least a route asks of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// No authentication: probes, metrics, the API's own documentation, login.
    Public,
    /// Any role: the fleet, wells, telemetry, alarms, events.
    Read,
    /// Operator and above: alarm actions, well restarts.
    Operate,
    /// Engineer and above: adding and removing wells.
    Engineer,
    /// Admin only: users, API keys, the audit trail.
    Admin,
    /// Service accounts only: telemetry pushed by devices.
    Ingest,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Viewer, Role::Operator, Role::Engineer, Role::Admin, Role::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Engineer => "engineer",
            Role::Admin => "admin",
            Role::Service => "service",
        }
    }

    /// Whether this role may use a route that asks for `access`.
    pub fn may(self, access: Access) -> bool {
        match access {
            Access::Public | Access::Read => true,
            Access::Ingest => self == Role::Service,
            Access::Operate | Access::Engineer | Access::Admin => {
                self.rung().is_some_and(|rung| Some(rung) >= required_rung(access))
            }
        }
    }

    /// The role's place on the people's ladder; a service account is not on it.
    fn rung(self) -> Option<u8> {
        match self {
            Role::Viewer => Some(0),
            Role::Operator => Some(1),
            Role::Engineer => Some(2),
            Role::Admin => Some(3),
            Role::Service => None,
        }
    }
}

fn required_rung(access: Access) -> Option<u8> {
    match access {
        Access::Operate => Some(1),
        Access::Engineer => Some(2),
        Access::Admin => Some(3),
        Access::Public | Access::Read | Access::Ingest => Some(0),
    }
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Read => "read",
            Access::Operate => "operate",
            Access::Engineer => "engineer",
            Access::Admin => "admin",
            Access::Ingest => "ingest",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the five.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role {0:?}: expected viewer, operator, engineer, admin or service")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == text).ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_grants_each_rung_what_the_one_below_has() {
        let expected = [
            (Role::Viewer, [true, true, false, false, false, false]),
            (Role::Operator, [true, true, true, false, false, false]),
            (Role::Engineer, [true, true, true, true, false, false]),
            (Role::Admin, [true, true, true, true, true, false]),
            (Role::Service, [true, true, false, false, false, true]),
        ];
        let accesses = [Access::Public, Access::Read, Access::Operate, Access::Engineer, Access::Admin, Access::Ingest];
        for (role, grants) in expected {
            for (access, granted) in accesses.into_iter().zip(grants) {
                assert_eq!(role.may(access), granted, "{role} on {access:?}");
            }
        }
    }

    #[test]
    fn role_names_round_trip_and_unknown_ones_are_named() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("root".parse::<Role>(), Err(UnknownRole("root".into())));
    }
}
