//! How humans name simulated wells: ids `W-001`, `W-002`, ... or plain numbers from 1.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// The id humans use for well `index` (0-based): `W-001`, `W-002`, ... (at least 3 digits).
pub fn well_id(index: usize) -> String {
    format!("W-{:03}", index + 1)
}

/// The 0-based index of a well named by its id (`W-003`, any zero padding) or its number
/// (`3`), if it is one of `wells`.
pub fn well_index(name: &str, wells: usize) -> Option<usize> {
    let digits = name.strip_prefix("W-").unwrap_or(name);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: usize = digits.parse().ok()?;
    (1..=wells).contains(&number).then(|| number - 1)
}

/// A well as a scenario names it: `well = 5` or `well = "W-005"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WellRef {
    /// A number from 1.
    Number(u64),
    Id(String),
}

impl WellRef {
    /// The 0-based index in a fleet of `wells`, if the well is in it.
    pub fn resolve(&self, wells: usize) -> Option<usize> {
        match self {
            WellRef::Number(number) => {
                let number = usize::try_from(*number).ok()?;
                (1..=wells).contains(&number).then(|| number - 1)
            }
            WellRef::Id(id) => well_index(id, wells),
        }
    }
}

impl fmt::Display for WellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WellRef::Number(number) => write!(f, "{number}"),
            WellRef::Id(id) => write!(f, "{id:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for WellRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WellRef, D::Error> {
        deserializer.deserialize_any(WellRefVisitor)
    }
}

struct WellRefVisitor;

impl Visitor<'_> for WellRefVisitor {
    type Value = WellRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a well number from 1 or an id like \"W-003\"")
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<WellRef, E> {
        match number {
            0 => Err(E::custom("wells are numbered from 1")),
            _ => Ok(WellRef::Number(number)),
        }
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<WellRef, E> {
        let number = u64::try_from(number).map_err(|_| E::custom("wells are numbered from 1"))?;
        self.visit_u64(number)
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<WellRef, E> {
        if well_index(id, usize::MAX).is_none() {
            return Err(E::custom(format!("{id:?} is not a well id like \"W-003\" or a number from 1")));
        }
        Ok(WellRef::Id(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_ids_are_numbered_from_one_with_three_digits_at_least() {
        assert_eq!(well_id(0), "W-001");
        assert_eq!(well_id(22), "W-023");
        assert_eq!(well_id(9_999), "W-10000");
    }

    #[test]
    fn wells_are_found_by_id_or_number() {
        assert_eq!(well_index("W-003", 24), Some(2));
        assert_eq!(well_index("W-3", 24), Some(2));
        assert_eq!(well_index("24", 24), Some(23));
        for bad in ["W-000", "W-025", "0", "", "W-", "X-003", "W-+3", "W-00x"] {
            assert_eq!(well_index(bad, 24), None, "{bad:?}");
        }
        assert_eq!(WellRef::Number(24).resolve(24), Some(23));
        assert_eq!(WellRef::Number(25).resolve(24), None);
    }
}
