//! Human durations in configuration files and API bodies: `250ms`, `2s`, `5m`, `1h`.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Parses `<number><unit>` with unit `ms`, `s`, `m` or `h`; the number may have a fraction.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 =
        number.parse().map_err(|_| format!("{text:?} is not a duration like \"500ms\", \"2s\", \"5m\" or \"1h\""))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("{text:?} needs a unit: ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is out of range"))
}

/// Formats a duration the way [`parse`] reads it.
pub fn format(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis % 1000 != 0 || millis == 0 {
        format!("{millis}ms")
    } else {
        format!("{}s", millis / 1000)
    }
}

/// `#[serde(with = "duration")]` for `Duration` fields.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*duration))
}

/// `#[serde(default, with = "duration::option")]` for `Option<Duration>` fields.
pub mod option {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|t| parse(&t).map_err(serde::de::Error::custom)).transpose()
    }

    pub fn serialize<S: Serializer>(duration: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => super::serialize(duration, serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn rejects_missing_units_and_garbage_with_a_hint() {
        assert!(parse("10").is_err_and(|e| e.contains("needs a unit")));
        assert!(parse("fast").is_err_and(|e| e.contains("not a duration")));
        assert!(parse("-1s").is_err());
    }

    #[test]
    fn formats_what_it_parses() {
        for text in ["250ms", "2s", "0ms", "1500ms"] {
            assert_eq!(parse(text).map(format), Ok(text.to_owned()));
        }
    }
}
