//! One archive file: a UTC day of raw telemetry in the line format of `format.rs`, gzip'd,
//! written to a temp file, verified there, then renamed into place, so a file under its final
//! name is always complete and never replaced by one that did not verify.
//!
//! Everything here is blocking file IO; async callers run it through `error::blocking`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use wellvisor_actors::domain::Sample;

use super::error::ArchiveError;
use super::format;
use super::manifest::{publish, temp_path, ArchivedDay};

/// The name of `day`'s file in the archive directory.
pub fn file_name(day: NaiveDate) -> String {
    format!("telemetry-{day}.jsonl.gz")
}

/// A finished temp file, and what it holds, before the manifest dates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WrittenDay {
    pub temp: PathBuf,
    pub path: PathBuf,
    pub day: NaiveDate,
    pub file: String,
    pub samples: u64,
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    pub bytes: u64,
    pub sha256: String,
}

impl WrittenDay {
    /// Renames the verified temp file to its final name.
    pub(crate) fn publish(&self) -> Result<(), ArchiveError> {
        publish(&self.temp, &self.path)
    }

    /// Removes the temp file of a day that failed (best effort: the next pass overwrites it).
    pub(crate) fn discard(&self) {
        let _ = std::fs::remove_file(&self.temp);
    }

    pub(crate) fn entry(&self, now: DateTime<Utc>) -> ArchivedDay {
        ArchivedDay {
            day: self.day,
            file: self.file.clone(),
            samples: self.samples,
            first_at: self.first_at,
            last_at: self.last_at,
            bytes: self.bytes,
            sha256: self.sha256.clone(),
            archived_at: now,
            verified_at: now,
        }
    }
}

/// Counts and hashes the compressed bytes on their way to the file.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A day's file being written: appended page by page, then published under its final name.
pub(crate) struct DayWriter {
    day: NaiveDate,
    temp: PathBuf,
    path: PathBuf,
    encoder: GzEncoder<Hashing<BufWriter<File>>>,
    line: Vec<u8>,
    samples: u64,
    first_at: Option<DateTime<Utc>>,
    last_at: Option<DateTime<Utc>>,
}

impl DayWriter {
    /// Starts `day`'s temp file in `dir`, creating the directory when missing.
    pub(crate) fn create(dir: &Path, day: NaiveDate) -> Result<DayWriter, ArchiveError> {
        std::fs::create_dir_all(dir).map_err(ArchiveError::io("create directory", dir))?;
        let path = dir.join(file_name(day));
        let temp = temp_path(&path);
        let file = File::create(&temp).map_err(ArchiveError::io("create", &temp))?;
        let hashing = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), bytes: 0 };
        let encoder = GzEncoder::new(hashing, Compression::default());
        Ok(DayWriter { day, temp, path, encoder, line: Vec::new(), samples: 0, first_at: None, last_at: None })
    }

    /// Appends samples, which must all be of the writer's day.
    pub(crate) fn append(&mut self, samples: &[Sample]) -> Result<(), ArchiveError> {
        for sample in samples {
            if sample.at.date_naive() != self.day {
                let problem = format!("the store exported a sample of {} at {}", self.day, sample.at);
                return Err(ArchiveError::corrupt(&self.temp, problem));
            }
            self.line.clear();
            format::encode(sample, &mut self.line)
                .map_err(|error| ArchiveError::corrupt(&self.temp, error.to_string()))?;
            self.encoder.write_all(&self.line).map_err(ArchiveError::io("write", &self.temp))?;
            self.samples += 1;
            self.first_at = Some(self.first_at.map_or(sample.at, |first| first.min(sample.at)));
            self.last_at = Some(self.last_at.map_or(sample.at, |last| last.max(sample.at)));
        }
        Ok(())
    }

    /// Completes the gzip stream and syncs the temp file.
    pub(crate) fn finish(self) -> Result<WrittenDay, ArchiveError> {
        let hashing = self.encoder.finish().map_err(ArchiveError::io("write", &self.temp))?;
        let file = hashing.inner.into_inner().map_err(|error| ArchiveError::Io {
            action: "write",
            path: self.temp.clone(),
            error: error.into_error(),
        })?;
        file.sync_all().map_err(ArchiveError::io("sync", &self.temp))?;
        Ok(WrittenDay {
            temp: self.temp,
            path: self.path,
            day: self.day,
            file: file_name(self.day),
            samples: self.samples,
            first_at: self.first_at,
            last_at: self.last_at,
            bytes: hashing.bytes,
            sha256: hex(&hashing.hasher.finalize()),
        })
    }
}

/// Reads a day's file back, sample by sample, naming the line of any problem.
pub(crate) struct DayReader {
    path: PathBuf,
    day: NaiveDate,
    lines: BufReader<GzDecoder<BufReader<File>>>,
    line: Vec<u8>,
    number: u64,
}

impl DayReader {
    /// Opens the file of `day` at `path`.
    pub(crate) fn open(path: &Path, day: NaiveDate) -> Result<DayReader, ArchiveError> {
        let file = open_existing(path)?;
        let lines = BufReader::new(GzDecoder::new(BufReader::new(file)));
        Ok(DayReader { path: path.to_owned(), day, lines, line: Vec::new(), number: 0 })
    }

    /// Up to `max` more samples; an empty batch once the file is done.
    pub(crate) fn next_batch(&mut self, max: usize) -> Result<Vec<Sample>, ArchiveError> {
        let mut batch = Vec::with_capacity(max.min(4_096));
        while batch.len() < max {
            self.line.clear();
            let read = self.lines.read_until(b'\n', &mut self.line);
            let read =
                read.map_err(|error| ArchiveError::corrupt(&self.path, format!("cannot decompress: {error}")))?;
            if read == 0 {
                break;
            }
            self.number += 1;
            let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            let sample = format::decode(line)
                .map_err(|problem| ArchiveError::corrupt(&self.path, format!("line {}: {problem}", self.number)))?;
            if sample.at.date_naive() != self.day {
                let problem = format!("line {}: a sample of {} in the file of {}", self.number, sample.at, self.day);
                return Err(ArchiveError::corrupt(&self.path, problem));
            }
            batch.push(sample);
        }
        Ok(batch)
    }
}

/// Checks a file against its manifest entry: size, SHA-256, then every line decodes to a
/// sample of the day, and the count and time span are the entry's.
pub(crate) fn verify(dir: &Path, entry: &ArchivedDay) -> Result<(), ArchiveError> {
    verify_at(&dir.join(&entry.file), entry)
}

/// [`verify`] of the file at `path` (a temp file not yet renamed into place, say).
pub(crate) fn verify_at(path: &Path, entry: &ArchivedDay) -> Result<(), ArchiveError> {
    let (bytes, sha256) = checksum(path)?;
    if bytes != entry.bytes {
        return Err(ArchiveError::corrupt(path, format!("{bytes} bytes, the manifest says {}", entry.bytes)));
    }
    if sha256 != entry.sha256 {
        return Err(ArchiveError::corrupt(
            path,
            format!("sha256 {sha256} does not match the manifest's {}", entry.sha256),
        ));
    }
    let mut reader = DayReader::open(path, entry.day)?;
    let (mut samples, mut first_at, mut last_at) = (0u64, None, None);
    loop {
        let batch = reader.next_batch(10_000)?;
        if batch.is_empty() {
            break;
        }
        for sample in &batch {
            first_at = Some(first_at.map_or(sample.at, |first: DateTime<Utc>| first.min(sample.at)));
            last_at = Some(last_at.map_or(sample.at, |last: DateTime<Utc>| last.max(sample.at)));
        }
        samples += batch.len() as u64;
    }
    if samples != entry.samples || (first_at, last_at) != (entry.first_at, entry.last_at) {
        let problem = format!(
            "holds {samples} samples from {first_at:?} to {last_at:?}, not the manifest's {} from {:?} to {:?}",
            entry.samples, entry.first_at, entry.last_at
        );
        return Err(ArchiveError::corrupt(path, problem));
    }
    Ok(())
}

/// The size and SHA-256 of a file, read in full.
fn checksum(path: &Path) -> Result<(u64, String), ArchiveError> {
    let mut file = open_existing(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(ArchiveError::io("read", path))?;
        if read == 0 {
            return Ok((bytes, hex(&hasher.finalize())));
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
}

fn open_existing(path: &Path) -> Result<File, ArchiveError> {
    File::open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ArchiveError::Missing { path: path.to_owned() },
        _ => ArchiveError::Io { action: "open", path: path.to_owned(), error },
    })
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}
