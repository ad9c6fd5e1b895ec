//! The Prometheus text exposition format (version 0.0.4), written by hand: families with their
//! `# HELP` and `# TYPE` lines, samples with escaped label values, histograms with cumulative
//! buckets. Every part of the service that has something to count writes into one
//! [`MetricsWriter`] at scrape time.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use wellvisor_actors::fleet::{LatencyHistogram, LATENCY_BOUNDS_SECONDS};

/// What a family is, as its `# TYPE` line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One metric family: its header and its samples, already rendered.
struct Family {
    name: String,
    help: String,
    kind: Kind,
    /// The label sets already written, so a series is never written twice.
    series: BTreeSet<String>,
    lines: String,
}

/// A histogram's buckets as the writer takes them: per-bucket counts (not cumulative), one more
/// than there are bounds (the last counts what lies above the largest bound), and the sum.
#[derive(Clone, Copy, Debug)]
pub struct Buckets<'a> {
    /// Upper bounds, ascending, without `+Inf`.
    pub upper_bounds: &'a [f64],
    pub counts: &'a [u64],
    pub sum: f64,
}

impl<'a> From<&'a LatencyHistogram> for Buckets<'a> {
    fn from(histogram: &'a LatencyHistogram) -> Self {
        Buckets {
            upper_bounds: &LATENCY_BOUNDS_SECONDS,
            counts: histogram.bucket_counts(),
            sum: histogram.sum_seconds(),
        }
    }
}

/// Collects metric families for one scrape and renders them as exposition text.
///
/// Call [`counter`](Self::counter), [`gauge`](Self::gauge) or [`histogram`](Self::histogram)
/// once per series, in any order: samples of one name are grouped under one `# HELP`/`# TYPE`
/// header (the first call's help text wins), and families come out in the order they were first
/// written. Labels are `(name, value)` pairs; values may hold any text (quotes, backslashes and
/// newlines are escaped). The writer never panics: a sample with an invalid metric or label
/// name, a second sample of the same series, or a name reused with another type is left out
/// and logged, since it is a bug in the caller, not something a scraper should see.
///
/// ```
/// use wellvisor::http::metrics::MetricsWriter;
///
/// let mut metrics = MetricsWriter::new();
/// metrics.counter("wellvisor_logins_failed_total", "Failed logins.", &[("reason", "password")], 3);
/// metrics.gauge("wellvisor_sse_subscribers", "Open event streams.", &[], 2.0);
/// let text = metrics.finish();
/// assert!(text.contains("wellvisor_logins_failed_total{reason=\"password\"} 3\n"));
/// ```
#[derive(Default)]
pub struct MetricsWriter {
    families: Vec<Family>,
    by_name: HashMap<String, usize>,
}

impl MetricsWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A value that only goes up (it resets only when the process restarts). By convention
    /// its name ends in `_total`.
    pub fn counter(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: u64) {
        if let Some(family) = self.family(name, help, Kind::Counter, labels) {
            family.sample(name, "", labels, None, &value.to_string());
        }
    }

    /// A value that goes up and down.
    pub fn gauge(&mut self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        if let Some(family) = self.family(name, help, Kind::Gauge, labels) {
            family.sample(name, "", labels, None, &float(value));
        }
    }

    /// A histogram: `_bucket` series with cumulative counts and an `le` label up to `+Inf`,
    /// then `_sum` and `_count`. Its name carries the unit (`_seconds`), not a suffix.
    pub fn histogram<'a>(&mut self, name: &str, help: &str, labels: &[(&str, &str)], buckets: impl Into<Buckets<'a>>) {
        let buckets = buckets.into();
        if buckets.counts.len() != buckets.upper_bounds.len() + 1 || labels.iter().any(|(label, _)| *label == "le") {
            tracing::warn!(metric = name, "histogram left out of the scrape: malformed buckets or an `le` label");
            return;
        }
        let Some(family) = self.family(name, help, Kind::Histogram, labels) else { return };
        let mut cumulative = 0u64;
        for (bound, count) in buckets.upper_bounds.iter().zip(buckets.counts) {
            cumulative += count;
            family.sample(name, "_bucket", labels, Some(&float(*bound)), &cumulative.to_string());
        }
        let total: u64 = buckets.counts.iter().sum();
        family.sample(name, "_bucket", labels, Some("+Inf"), &total.to_string());
        family.sample(name, "_sum", labels, None, &float(buckets.sum));
        family.sample(name, "_count", labels, None, &total.to_string());
    }

    /// The exposition text: every family, header first, then its samples.
    pub fn finish(self) -> String {
        let mut text = String::new();
        for family in self.families.into_iter().filter(|family| !family.lines.is_empty()) {
            let _ = writeln!(text, "# HELP {} {}", family.name, escape_help(&family.help));
            let _ = writeln!(text, "# TYPE {} {}", family.name, family.kind.as_str());
            text.push_str(&family.lines);
        }
        text
    }

    /// The family `name` belongs to, opened if new; `None` (logged) when the sample must be
    /// left out, and also when this exact series was already written.
    fn family(&mut self, name: &str, help: &str, kind: Kind, labels: &[(&str, &str)]) -> Option<&mut Family> {
        if !is_metric_name(name) || !labels.iter().all(|(label, _)| is_label_name(label)) {
            tracing::warn!(metric = name, "metric left out of the scrape: invalid metric or label name");
            return None;
        }
        let index = match self.by_name.get(name) {
            Some(index) => *index,
            None => {
                let series = BTreeSet::new();
                let family =
                    Family { name: name.to_owned(), help: help.to_owned(), kind, series, lines: String::new() };
                self.families.push(family);
                self.by_name.insert(name.to_owned(), self.families.len() - 1);
                self.families.len() - 1
            }
        };
        let family = &mut self.families[index];
        if family.kind != kind {
            tracing::warn!(
                metric = name,
                "metric left out of the scrape: the name is already a {}",
                family.kind.as_str()
            );
            return None;
        }
        if !family.series.insert(label_set(labels, None)) {
            tracing::warn!(metric = name, "metric left out of the scrape: the series was already written");
            return None;
        }
        Some(family)
    }
}

impl Family {
    fn sample(&mut self, name: &str, suffix: &str, labels: &[(&str, &str)], le: Option<&str>, value: &str) {
        let _ = writeln!(self.lines, "{name}{suffix}{} {value}", label_set(labels, le));
    }
}

/// `{a="x",b="y"}`, with `le` last when given; empty for no labels.
fn label_set(labels: &[(&str, &str)], le: Option<&str>) -> String {
    let pairs = labels.iter().copied().chain(le.map(|le| ("le", le)));
    let rendered: Vec<String> =
        pairs.map(|(name, value)| format!("{name}=\"{}\"", escape_label_value(value))).collect();
    if rendered.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", rendered.join(","))
    }
}

/// A label value may hold anything; the format escapes backslash, double quote and newline.
fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Help text escapes only backslash and newline.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value as Prometheus reads floats: `+Inf`, `-Inf` and `NaN` spelled its way.
fn float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, and not `__`-prefixed (reserved for Prometheus itself).
fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    !name.starts_with("__")
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
