//! The identifier of a physical well, validated once and cheap to clone on the hot path.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A well id: 1–64 characters of ASCII letters, digits, `-`, `_` and `.`.
///
/// Cloning shares the string, so a sample carries its well id without allocating.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WellId(Arc<str>);

/// A string that cannot name a well.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid well id {0:?}: use 1-64 characters of letters, digits, '-', '_' or '.'")]
pub struct InvalidWellId(pub String);

impl WellId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Validates and wraps `raw`.
    pub fn new(raw: &str) -> Result<Self, InvalidWellId> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !raw.chars().all(allowed) {
            return Err(InvalidWellId(raw.to_owned()));
        }
        Ok(Self(Arc::from(raw)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for WellId {
    type Err = InvalidWellId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for WellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for WellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WellId({})", &self.0)
    }
}

impl Serialize for WellId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for WellId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::new(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_field_style_ids() {
        for ok in ["W-001", "pad7.well_3", "A"] {
            assert_eq!(WellId::new(ok).map(|id| id.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_empty_long_and_unsafe_ids() {
        let long = "x".repeat(WellId::MAX_LEN + 1);
        for bad in ["", "W 001", "W/001", "wé", long.as_str()] {
            assert!(WellId::new(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
