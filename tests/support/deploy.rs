//! Readers of the deployment files for `tests/deploy_manifests.rs` (`#[path]`-included): YAML
//! documents, the Dockerfile's final stage and the image layout its `COPY`s make, systemd unit
//! keys, Prometheus exposition names, and the `WELLVISOR_*` names the source code mentions.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A path inside the repository.
pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn read(relative: &str) -> String {
    std::fs::read_to_string(repo(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Every file under `dir` (recursively) whose name ends with one of `extensions`, sorted.
pub fn files_under(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let path = entry.path();
            if path.is_symlink() {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every document of a (possibly multi-document) YAML file; empty documents are kept as null.
pub fn yaml_documents(path: &Path) -> Vec<serde_yaml::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::Deserializer::from_str(&text)
        .map(|document| serde_yaml::Value::deserialize(document).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// The Kubernetes objects under `deploy/kubernetes`, each with the file it came from.
pub fn kubernetes_objects() -> Vec<(PathBuf, serde_yaml::Value)> {
    files_under(&repo("deploy/kubernetes"), &["yaml", "yml"])
        .into_iter()
        .flat_map(|file| yaml_documents(&file).into_iter().map(move |doc| (file.clone(), doc)))
        .filter(|(_, doc)| !doc.is_null())
        .collect()
}

/// The one object of `kind` (and, if given, `name`).
pub fn object<'a>(
    objects: &'a [(PathBuf, serde_yaml::Value)],
    kind: &str,
    name: Option<&str>,
) -> &'a serde_yaml::Value {
    let matches: Vec<_> = objects
        .iter()
        .map(|(_, doc)| doc)
        .filter(|doc| text(&doc["kind"]) == kind)
        .filter(|doc| name.is_none_or(|name| text(&doc["metadata"]["name"]) == name))
        .collect();
    assert_eq!(matches.len(), 1, "expected one {kind} {name:?}, found {}", matches.len());
    matches[0]
}

/// A YAML scalar as text ("" when absent); numbers and booleans as written.
pub fn text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A YAML sequence of scalars as strings.
pub fn strings(value: &serde_yaml::Value) -> Vec<String> {
    value.as_sequence().map(|items| items.iter().map(text).collect()).unwrap_or_default()
}

/// What the final stage of a Dockerfile says.
#[derive(Debug, Default)]
pub struct Dockerfile {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub user: String,
    pub exposed: Vec<u16>,
    /// `(repository source, image destination)` of each `COPY` from the build context, in order.
    pub copies: Vec<(String, String)>,
}

impl Dockerfile {
    pub fn parse(text: &str) -> Self {
        let mut file = Self::default();
        for line in logical_lines(text) {
            let (instruction, rest) = line.split_once(char::is_whitespace).unwrap_or((line.as_str(), ""));
            let rest = rest.trim();
            match instruction.to_ascii_uppercase().as_str() {
                "FROM" => file = Self::default(),
                "ENTRYPOINT" => file.entrypoint = exec_form(instruction, rest),
                "CMD" => file.cmd = exec_form(instruction, rest),
                "USER" => file.user = rest.to_owned(),
                "EXPOSE" => file.exposed.extend(rest.split_whitespace().map(|p| p.parse::<u16>().expect("port"))),
                "COPY" if !rest.contains("--from") => {
                    let words: Vec<&str> = rest.split_whitespace().filter(|w| !w.starts_with("--")).collect();
                    let (dest, sources) = words.split_last().expect("COPY with a destination");
                    file.copies.extend(sources.iter().map(|src| (src.to_string(), dest.to_string())));
                }
                _ => {}
            }
        }
        file
    }

    /// The repository path an image path comes from, by the last `COPY` that covers it.
    pub fn repo_path_of(&self, image_path: &str) -> Option<PathBuf> {
        self.copies.iter().rev().find_map(|(source, dest)| {
            if dest.ends_with('/') && source.ends_with('/') {
                image_path.strip_prefix(dest.as_str()).map(|rest| repo(source).join(rest))
            } else {
                (image_path == dest).then(|| repo(source))
            }
        })
    }
}

/// Instructions with continuations joined, comments and blank lines dropped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#') && !l.is_empty()) {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    lines
}

/// The JSON-array form of ENTRYPOINT and CMD (the shell form would wrap the binary in `sh -c`,
/// which the slim image's signals and the orchestrators' stops must not go through).
fn exec_form(instruction: &str, rest: &str) -> Vec<String> {
    serde_json::from_str(rest).unwrap_or_else(|e| panic!("{instruction} must be a JSON array: {rest}: {e}"))
}

/// `Key=value` lines of a systemd unit (every section), in order.
pub fn unit_entries(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with(';') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// Every metric name a scrape of `exposition` answers to: each sample's name, and the series
/// names a `# TYPE` line implies (`_total` of a counter, `_bucket`/`_sum`/`_count` of a
/// histogram), so a family with no sample yet still counts.
pub fn exposed_metric_names(exposition: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in exposition.lines() {
        if let Some(declared) = line.strip_prefix("# TYPE ") {
            let mut words = declared.split_whitespace();
            let (Some(name), Some(kind)) = (words.next(), words.next()) else { continue };
            names.insert(name.to_owned());
            let suffixes: &[&str] = match kind {
                "counter" => &["_total"],
                "histogram" => &["_bucket", "_sum", "_count"],
                "summary" => &["_sum", "_count"],
                _ => &[],
            };
            names.extend(suffixes.iter().map(|suffix| format!("{}{suffix}", name.trim_end_matches("_total"))));
        } else if !line.starts_with('#') {
            let name: String =
                line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// Every `PREFIX`-led name (`[A-Z0-9_]+` after the prefix) in `text`.
pub fn names_with_prefix(text: &str, prefix: &str) -> BTreeSet<String> {
    let is_name_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
    text.match_indices(prefix)
        .filter(|(at, _)| !text[..*at].ends_with(is_name_char))
        .map(|(at, _)| text[at..].chars().take_while(|c| is_name_char(*c)).collect::<String>())
        .filter(|name| name.len() > prefix.len())
        .collect()
}

/// Every lowercase `wellvisor_*` metric name in `text`.
pub fn metric_names(text: &str) -> BTreeSet<String> {
    let is_name_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    text.match_indices("wellvisor_")
        .filter(|(at, _)| !text[..*at].ends_with(is_name_char))
        .map(|(at, _)| text[at..].chars().take_while(|c| is_name_char(*c)).collect::<String>())
        .filter(|name| name.len() > "wellvisor_".len())
        .collect()
}

/// The `WELLVISOR_*` environment variables the service's source mentions (src/ and actors/src).
pub fn env_names_in_code() -> BTreeSet<String> {
    ["src", "actors/src"]
        .into_iter()
        .flat_map(|dir| files_under(&repo(dir), &["rs"]))
        .flat_map(|file| {
            let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            names_with_prefix(&source, "WELLVISOR_")
        })
        .collect()
}

#[test]
fn exposition_names_include_the_series_a_type_line_implies() {
    let exposition = "# HELP wellvisor_polls Polls.\n# TYPE wellvisor_polls counter\n\
        # TYPE wellvisor_poll_duration_seconds histogram\n\
        wellvisor_poll_duration_seconds_bucket{le=\"0.1\"} 3\n\
        # TYPE wellvisor_wells gauge\nwellvisor_wells{supervision=\"running\"} 2\n";
    let names = exposed_metric_names(exposition);
    for name in ["wellvisor_polls_total", "wellvisor_poll_duration_seconds_count", "wellvisor_wells"] {
        assert!(names.contains(name), "{name} in {names:?}");
    }
    assert!(!names.contains("wellvisor_wells_total"), "a gauge has no _total");
    assert_eq!(names_with_prefix("env WELLVISOR_LOG, not MY_WELLVISOR_X nor WELLVISOR_*", "WELLVISOR_").len(), 1);
}
