//! Human byte sizes in configuration files: `1GiB`, `512MiB`, `64KiB`, or a plain number of bytes.

use serde::{Deserialize, Deserializer};

/// Parses `<whole number>[unit]` with unit `B`, `KiB`, `MiB`, `GiB` or `TiB` (powers of 1024).
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number.parse().map_err(|_| format!("{text:?} is not a size like \"512MiB\" or \"1GiB\""))?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        other => return Err(format!("{text:?} has unit {other:?}; use B, KiB, MiB, GiB or TiB")),
    };
    value.checked_mul(scale).ok_or_else(|| format!("{text:?} is out of range"))
}

/// `#[serde(with = "bytesize")]` for `u64` byte counts: a size string, or a plain integer.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match Size::deserialize(deserializer)? {
        Size::Bytes(bytes) => Ok(bytes),
        Size::Text(text) => parse(&text).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_binary_units_and_plain_bytes() {
        assert_eq!(parse("1GiB"), Ok(1 << 30));
        assert_eq!(parse(" 512MiB "), Ok(512 << 20));
        assert_eq!(parse("64 KiB"), Ok(64 << 10));
        assert_eq!(parse("4096"), Ok(4096));
        assert_eq!(parse("10B"), Ok(10));
    }

    #[test]
    fn names_what_is_wrong() {
        assert!(parse("1GB").is_err_and(|e| e.contains("KiB")));
        assert!(parse("lots").is_err_and(|e| e.contains("512MiB")));
        assert!(parse("1.5GiB").is_err());
        assert!(parse("99999999999TiB").is_err_and(|e| e.contains("out of range")));
    }
}
