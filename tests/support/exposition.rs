//! A strict reader of the Prometheus text exposition format (0.0.4), for tests of `/metrics`
//! (`#[path]`-included). Stricter than Prometheus on purpose: anything our writer should never
//! produce (a blank line, a timestamp, an unknown escape, a family split in two, a repeated
//! series, buckets that are not cumulative) is an error, with the line it was found on.
#![allow(dead_code)]

use std::collections::BTreeMap;

/// A parsed scrape: families by name.
#[derive(Debug, Default)]
pub struct Exposition {
    pub families: BTreeMap<String, Family>,
}

#[derive(Debug, Default)]
pub struct Family {
    pub kind: String,
    pub help: String,
    pub samples: Vec<Sample>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample's own name: the family's, or with `_bucket`, `_sum`, `_count` for histograms.
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Exposition {
    /// The value of the series `name{labels}` (exactly those labels), if present.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let family = self.families.values().find(|f| f.samples.iter().any(|s| s.name == name))?;
        family.samples.iter().find(|s| s.name == name && s.labels == wanted).map(|s| s.value)
    }

    /// Every sample of the family `name`.
    pub fn samples(&self, name: &str) -> &[Sample] {
        self.families.get(name).map_or(&[], |family| family.samples.as_slice())
    }
}

/// Parses `text`, or says which line breaks the format and why.
pub fn parse(text: &str) -> Result<Exposition, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the text does not end with a newline".into());
    }
    let mut exposition = Exposition::default();
    let mut current: Option<String> = None;
    let mut helped: Vec<String> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let at = |why: String| format!("line {}: {why}: {line:?}", number + 1);
        read_line(line, &mut exposition, &mut current, &mut helped).map_err(at)?;
    }
    for (name, family) in &exposition.families {
        check_family(name, family).map_err(|why| format!("family {name}: {why}"))?;
    }
    Ok(exposition)
}

fn read_line(
    line: &str,
    exposition: &mut Exposition,
    current: &mut Option<String>,
    helped: &mut Vec<String>,
) -> Result<(), String> {
    if line.is_empty() || line.contains('\r') {
        return Err("blank line or carriage return".into());
    }
    if let Some(rest) = line.strip_prefix("# HELP ") {
        let (name, help) = rest.split_once(' ').ok_or("HELP without text")?;
        check_metric_name(name)?;
        if helped.iter().any(|seen| seen == name) {
            return Err(format!("second HELP for {name}"));
        }
        helped.push(name.to_owned());
        let family = exposition.families.entry(name.to_owned()).or_default();
        family.help = unescape_help(help)?;
        return Ok(());
    }
    if let Some(rest) = line.strip_prefix("# TYPE ") {
        let (name, kind) = rest.split_once(' ').ok_or("TYPE without a type")?;
        check_metric_name(name)?;
        if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
            return Err(format!("unknown type {kind}"));
        }
        let family = exposition.families.entry(name.to_owned()).or_default();
        if !family.kind.is_empty() || !family.samples.is_empty() {
            return Err(format!("TYPE of {name} again, or after its samples"));
        }
        family.kind = kind.to_owned();
        *current = Some(name.to_owned());
        return Ok(());
    }
    if line.starts_with('#') {
        return Ok(());
    }
    let sample = parse_sample(line)?;
    let family_name = current.as_deref().ok_or("a sample before any TYPE")?;
    let family = exposition.families.get_mut(family_name).ok_or("no current family")?;
    if !belongs(&sample.name, family_name, &family.kind) {
        return Err(format!("{} is not part of the family {family_name} being written", sample.name));
    }
    if family.samples.iter().any(|seen| seen.name == sample.name && seen.labels == sample.labels) {
        return Err("a series written twice".into());
    }
    family.samples.push(sample);
    Ok(())
}

fn belongs(sample: &str, family: &str, kind: &str) -> bool {
    match kind {
        "histogram" => ["_bucket", "_sum", "_count"].iter().any(|suffix| sample == format!("{family}{suffix}")),
        _ => sample == family,
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    check_metric_name(name)?;
    let (labels, rest) = match line[name_end..].strip_prefix('{') {
        Some(after) => parse_labels(after)?,
        None => (BTreeMap::new(), &line[name_end..]),
    };
    let value = rest.strip_prefix(' ').ok_or("no space before the value")?;
    if value.contains(' ') {
        return Err("a timestamp or trailing text after the value".into());
    }
    Ok(Sample { name: name.to_owned(), labels, value: parse_value(value)? })
}

/// Reads `a="x",b="y"}` and returns the labels and what follows the brace.
fn parse_labels(mut rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (name, after) = rest.split_once("=\"").ok_or("a label without =\"")?;
        check_label_name(name)?;
        let (value, after) = read_quoted(after)?;
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = after.strip_prefix(',').unwrap_or(after);
        if !after.starts_with(',') && !after.starts_with('}') {
            return Err("labels not separated by commas".into());
        }
    }
}

/// Reads an escaped label value up to its closing quote.
fn read_quoted(text: &str) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &text[index + 1..])),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('\\') => value.push('\\'),
                Some('"') => value.push('"'),
                Some('n') => value.push('\n'),
                other => return Err(format!("unknown escape \\{other:?} in a label value")),
            },
            '\n' => return Err("a raw newline in a label value".into()),
            c => value.push(c),
        }
    }
    Err("an unterminated label value".into())
}

/// Help text escapes only backslash and newline.
fn unescape_help(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            other => return Err(format!("unknown escape \\{other:?}")),
        }
    }
    Ok(out)
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if text.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => {
            text.parse().map_err(|e| format!("value {text:?}: {e}"))
        }
        _ => Err(format!("value {text:?} is not a Prometheus float")),
    }
}

fn check_metric_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    let valid = first && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    valid.then_some(()).ok_or_else(|| format!("invalid metric name {name:?}"))
}

fn check_label_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let valid = first && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with("__");
    valid.then_some(()).ok_or_else(|| format!("invalid label name {name:?}"))
}

/// A family's own rules: a type, counters not negative, histograms whole and cumulative.
fn check_family(name: &str, family: &Family) -> Result<(), String> {
    if family.kind.is_empty() {
        return Err("no TYPE".into());
    }
    if family.samples.is_empty() {
        return Err("a header without samples".into());
    }
    if family.kind == "counter" && family.samples.iter().any(|s| s.value.is_nan() || s.value < 0.0) {
        return Err("a negative or NaN counter".into());
    }
    if family.kind == "histogram" {
        check_histogram(name, family)?;
    }
    Ok(())
}

fn check_histogram(name: &str, family: &Family) -> Result<(), String> {
    let mut series: BTreeMap<Vec<(String, String)>, Vec<&Sample>> = BTreeMap::new();
    for sample in &family.samples {
        let key = sample.labels.iter().filter(|(k, _)| *k != "le").map(|(k, v)| (k.clone(), v.clone())).collect();
        series.entry(key).or_default().push(sample);
    }
    for (labels, samples) in series {
        let find = |suffix: &str| samples.iter().find(|s| s.name == format!("{name}{suffix}")).map(|s| s.value);
        let buckets: Vec<&&Sample> = samples.iter().filter(|s| s.name.ends_with("_bucket")).collect();
        let mut last = (f64::NEG_INFINITY, 0.0);
        for bucket in &buckets {
            let le = bucket.labels.get("le").ok_or("a bucket without le")?;
            let bound = parse_value(le)?;
            if bound <= last.0 || bucket.value < last.1 {
                return Err(format!("{labels:?}: buckets not ascending and cumulative at le={le}"));
            }
            last = (bound, bucket.value);
        }
        if last.0 != f64::INFINITY {
            return Err(format!("{labels:?}: no +Inf bucket"));
        }
        if find("_count") != Some(last.1) || find("_sum").is_none() {
            return Err(format!("{labels:?}: _count differs from the +Inf bucket, or _sum is missing"));
        }
    }
    Ok(())
}

#[test]
fn the_reader_refuses_what_the_format_forbids() {
    let valid = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"\\n\"} 1\n";
    assert!(parse(valid).is_ok(), "{:?}", parse(valid));
    let broken = [
        "# TYPE a counter\na 1",
        "# TYPE a counter\n\na 1\n",
        "# TYPE a counter\na{x=\"\\t\"} 1\n",
        "# TYPE a counter\na 1 1700000000\n",
        "# TYPE a counter\na -1\n",
        "# TYPE a counter\na 1\na 2\n",
        "# TYPE a counter\n# TYPE b gauge\nb 1\na 1\n",
        "a 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 0\nh_count 1\n",
    ];
    for text in broken {
        assert!(parse(text).is_err(), "accepted {text:?}");
    }
}
