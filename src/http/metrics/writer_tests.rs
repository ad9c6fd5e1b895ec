//! The exposition writer: headers once per family, escaping, histogram buckets, and the
//! caller mistakes it leaves out instead of rendering a scrape Prometheus would reject.

use std::time::Duration;

use wellvisor_actors::fleet::LatencyHistogram;

use super::*;

#[test]
fn label_values_escape_backslash_quote_and_newline() {
    let mut metrics = MetricsWriter::new();
    metrics.gauge("odd", "Odd labels.", &[("path", "C:\\dir \"quoted\"\nnext line")], 1.0);
    let text = metrics.finish();
    assert!(text.contains(r#"odd{path="C:\\dir \"quoted\"\nnext line"} 1"#), "{text}");
    assert_eq!(text.lines().count(), 3, "a newline in a value must not break the line: {text}");
}

#[test]
fn help_text_escapes_backslash_and_newline_but_not_quotes() {
    let mut metrics = MetricsWriter::new();
    metrics.counter("c_total", "Counts \"things\"\nin C:\\", &[], 0);
    let text = metrics.finish();
    assert!(text.starts_with("# HELP c_total Counts \"things\"\\nin C:\\\\\n# TYPE c_total counter\n"), "{text}");
}

#[test]
fn samples_of_one_name_share_one_header_whatever_the_call_order() {
    let mut metrics = MetricsWriter::new();
    metrics.counter("polls_total", "Polls.", &[("result", "ok")], 5);
    metrics.gauge("wells", "Wells.", &[], 3.0);
    metrics.counter("polls_total", "Ignored: the first help wins.", &[("result", "failed")], 2);
    let text = metrics.finish();
    let expected = "# HELP polls_total Polls.\n# TYPE polls_total counter\n\
                    polls_total{result=\"ok\"} 5\npolls_total{result=\"failed\"} 2\n\
                    # HELP wells Wells.\n# TYPE wells gauge\nwells 3\n";
    assert_eq!(text, expected);
}

#[test]
fn histogram_buckets_are_cumulative_and_end_with_inf_sum_and_count() {
    let mut metrics = MetricsWriter::new();
    let buckets = Buckets { upper_bounds: &[0.1, 1.0], counts: &[2, 3, 1], sum: 4.5 };
    metrics.histogram("took_seconds", "Time taken.", &[("route", "/a")], buckets);
    let text = metrics.finish();
    let expected = "# HELP took_seconds Time taken.\n# TYPE took_seconds histogram\n\
                    took_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n\
                    took_seconds_bucket{route=\"/a\",le=\"1\"} 5\n\
                    took_seconds_bucket{route=\"/a\",le=\"+Inf\"} 6\n\
                    took_seconds_sum{route=\"/a\"} 4.5\n\
                    took_seconds_count{route=\"/a\"} 6\n";
    assert_eq!(text, expected);
}

#[test]
fn a_latency_histogram_renders_every_bound_and_its_overflow() {
    let mut histogram = LatencyHistogram::default();
    histogram.observe(Duration::from_millis(3));
    histogram.observe(Duration::from_secs(30));
    let mut metrics = MetricsWriter::new();
    metrics.histogram("poll_seconds", "Polls.", &[], &histogram);
    let text = metrics.finish();
    let buckets: Vec<&str> = text.lines().filter(|line| line.starts_with("poll_seconds_bucket")).collect();
    assert_eq!(buckets.len(), LATENCY_BOUNDS_SECONDS.len() + 1);
    assert_eq!(buckets[1], "poll_seconds_bucket{le=\"0.0025\"} 0");
    assert_eq!(buckets[2], "poll_seconds_bucket{le=\"0.005\"} 1");
    assert_eq!(buckets[12], "poll_seconds_bucket{le=\"10\"} 1");
    assert_eq!(buckets[13], "poll_seconds_bucket{le=\"+Inf\"} 2");
    let sum = text.lines().find_map(|line| line.strip_prefix("poll_seconds_sum ")).and_then(|v| v.parse::<f64>().ok());
    assert!(sum.is_some_and(|sum| (sum - 30.003).abs() < 1e-9), "{text}");
    assert!(text.contains("poll_seconds_count 2\n"), "{text}");
}

#[test]
fn special_floats_are_spelled_as_prometheus_reads_them() {
    let mut metrics = MetricsWriter::new();
    metrics.gauge("g", "G.", &[("v", "nan")], f64::NAN);
    metrics.gauge("g", "G.", &[("v", "up")], f64::INFINITY);
    metrics.gauge("g", "G.", &[("v", "down")], f64::NEG_INFINITY);
    metrics.gauge("g", "G.", &[("v", "small")], 0.000_25);
    let text = metrics.finish();
    for line in ["g{v=\"nan\"} NaN", "g{v=\"up\"} +Inf", "g{v=\"down\"} -Inf", "g{v=\"small\"} 0.00025"] {
        assert!(text.lines().any(|l| l == line), "{line} missing from {text}");
    }
}

#[test]
fn caller_mistakes_are_left_out_not_rendered() {
    let mut metrics = MetricsWriter::new();
    metrics.counter("ok_total", "Fine.", &[("a", "1")], 1);
    metrics.counter("ok_total", "Fine.", &[("a", "1")], 2);
    metrics.gauge("ok_total", "Wrong type.", &[("a", "2")], 1.0);
    metrics.counter("bad-name_total", "Dash.", &[], 1);
    metrics.counter("bad_label_total", "Dash.", &[("a-b", "1")], 1);
    metrics.counter("reserved_total", "Reserved.", &[("__name__", "x")], 1);
    metrics.histogram("h_seconds", "Bad le.", &[("le", "1")], Buckets { upper_bounds: &[], counts: &[1], sum: 0.0 });
    metrics.histogram("h2_seconds", "Short.", &[], Buckets { upper_bounds: &[1.0], counts: &[1], sum: 0.0 });
    let text = metrics.finish();
    assert_eq!(text, "# HELP ok_total Fine.\n# TYPE ok_total counter\nok_total{a=\"1\"} 1\n");
}

#[test]
fn nothing_written_renders_nothing() {
    assert_eq!(MetricsWriter::new().finish(), "");
}
