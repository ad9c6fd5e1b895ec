//! One lane's disk spool: what the recorder could neither write nor keep in memory while the
//! store was away, kept in order in append-only segment files until it is replayed.
//!
//! A segment is `NNN.seg` (frames, see `frame.rs`) with an optional `NNN.cursor` (see
//! `cursor.rs`); segments replay in number order, each from its cursor. Appends go to the newest
//! segment, fsync'd per appended batch, and roll over to a new one past the segment size.
//! Recovered segments are never appended to: a restart starts a new one, so a torn tail stays a
//! tail. A segment is deleted once every frame in it is in the store. Numbers start mid-range
//! so that a graceful stop can put data older than the unread spool in a segment before it.
//!
//! Bounds, as a crash sees them: an append is durable when it returns; a kill -9 mid-append
//! loses only that append's torn tail (detected, counted). A crash during replay replays again
//! at most the one batch written to the store but not yet in its cursor.

mod cursor;
pub(crate) mod frame;
mod recovery;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tracing::warn;

use frame::{Next, MAGIC};

/// Bytes of a segment's header.
const HEADER: u64 = MAGIC.len() as u64;

/// The first segment's number when the spool is empty.
const FIRST_SEQ: u64 = 1 << 32;

/// Where a lane's spool lives and how large it may grow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolSettings {
    /// The spool's directory; each lane keeps its segments in a subdirectory of its own.
    pub dir: PathBuf,
    /// The most bytes both lanes' spools may hold together; past it new items are refused,
    /// counted and alarmed.
    pub max_bytes: u64,
    /// A segment rolls over to a new file past this size.
    pub segment_bytes: u64,
}

/// The spool's disk budget, shared by both lanes.
#[derive(Debug)]
pub(crate) struct SpoolBudget {
    max: u64,
    used: AtomicU64,
}

impl SpoolBudget {
    pub(crate) fn new(max: u64) -> Arc<Self> {
        Arc::new(Self { max, used: AtomicU64::new(0) })
    }

    pub(crate) fn max(&self) -> u64 {
        self.max
    }

    /// Takes `bytes` from the budget, unless that would pass its cap.
    pub(crate) fn try_reserve(&self, bytes: u64) -> bool {
        let fits = |used: u64| used.checked_add(bytes).filter(|total| *total <= self.max);
        self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, fits).is_ok()
    }

    /// Counts bytes already on disk (recovered segments, segment headers).
    fn add(&self, bytes: u64) {
        self.used.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn release(&self, bytes: u64) {
        let _ = self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| Some(used.saturating_sub(bytes)));
    }
}

/// A spool file or directory that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("spool cannot {action} {}: {source}", path.display())]
pub struct SpoolError {
    action: &'static str,
    path: PathBuf,
    #[source]
    source: io::Error,
}

fn failed<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> SpoolError + 'a {
    move |source| SpoolError { action, path: path.to_owned(), source }
}

/// Frames read for one batch, and where the segment's cursor goes once they are in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    seq: u64,
    offset: u64,
    items: u64,
}

/// Payloads read for one batch, with the mark that acknowledges them.
pub(crate) type Frames = (Vec<Vec<u8>>, Mark);

/// What the spool knows of one segment file. Offsets are bytes from the file's start.
#[derive(Debug)]
struct Segment {
    /// Where trustworthy frames end: the file's end, or the first torn or corrupt frame.
    end: u64,
    /// The next frame to read.
    read: u64,
    /// Where the segment's cursor is: the frames before it are in the store.
    committed: u64,
    /// Frames from the cursor to `end`: not yet in the store.
    items: u64,
    /// Of those, frames read into a batch not yet written.
    in_flight: u64,
    /// The file's size, as charged to the budget.
    size: u64,
}

pub(crate) struct Spool {
    dir: PathBuf,
    segment_bytes: u64,
    segments: BTreeMap<u64, Segment>,
    writer: Option<(u64, File)>,
    reader: Option<(u64, BufReader<File>)>,
    budget: Arc<SpoolBudget>,
    /// Torn or corrupt frames found, each ending what was kept of its segment.
    damaged: u64,
}

impl Spool {
    fn segment_path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.seg"))
    }

    /// Frames not yet in the store, in-flight ones included.
    pub(crate) fn items(&self) -> u64 {
        self.segments.values().map(|s| s.items).sum()
    }

    /// Bytes the segment files take.
    pub(crate) fn bytes(&self) -> u64 {
        self.segments.values().map(|s| s.size).sum()
    }

    pub(crate) fn damaged(&self) -> u64 {
        self.damaged
    }

    /// Whether frames wait that no batch has read yet.
    pub(crate) fn has_unread(&self) -> bool {
        self.segments.values().any(|s| s.read < s.end)
    }

    /// Appends `frames` (`items` of them, already charged to the budget) durably: written and
    /// fdatasync'd before this returns.
    pub(crate) fn append(&mut self, frames: &[u8], items: u64) -> Result<(), SpoolError> {
        if frames.is_empty() {
            return Ok(());
        }
        let seq = match &self.writer {
            Some((seq, _)) if self.segments.get(seq).is_some_and(|s| s.size < self.segment_bytes) => *seq,
            _ => self.start_segment()?,
        };
        let path = self.segment_path(seq);
        if let Some((_, file)) = &mut self.writer {
            file.write_all(frames).map_err(failed("append to", &path))?;
            file.sync_data().map_err(failed("sync", &path))?;
        }
        if let Some(segment) = self.segments.get_mut(&seq) {
            segment.end += frames.len() as u64;
            segment.size += frames.len() as u64;
            segment.items += items;
        }
        Ok(())
    }

    /// Starts a new segment after every other and makes it the one appended to.
    fn start_segment(&mut self) -> Result<u64, SpoolError> {
        let seq = self.segments.last_key_value().map_or(FIRST_SEQ, |(seq, _)| seq + 1);
        let file = self.create(seq, &[], 0)?;
        self.writer = Some((seq, file));
        Ok(seq)
    }

    /// Puts `frames`, older than everything in the spool, in a segment before every other.
    pub(crate) fn prepend(&mut self, frames: &[u8], items: u64) -> Result<(), SpoolError> {
        if self.segments.is_empty() {
            return self.append(frames, items);
        }
        let seq = self.segments.first_key_value().map_or(FIRST_SEQ, |(seq, _)| seq.saturating_sub(1));
        self.create(seq, frames, items).map(drop)
    }

    /// Creates segment `seq` holding `frames`, durably (file and directory entry).
    fn create(&mut self, seq: u64, frames: &[u8], items: u64) -> Result<File, SpoolError> {
        let path = self.segment_path(seq);
        let mut file = OpenOptions::new().create_new(true).append(true).open(&path).map_err(failed("create", &path))?;
        file.write_all(MAGIC).map_err(failed("write", &path))?;
        file.write_all(frames).map_err(failed("write", &path))?;
        file.sync_all().map_err(failed("sync", &path))?;
        cursor::sync_dir(&self.dir).map_err(failed("sync directory", &self.dir))?;
        let size = (MAGIC.len() + frames.len()) as u64;
        self.budget.add(HEADER);
        self.segments.insert(seq, Segment { end: size, read: HEADER, committed: HEADER, items, in_flight: 0, size });
        Ok(file)
    }

    /// Reads the oldest unread frames, at most `max` and all from one segment; `None` when
    /// nothing is unread. Damage found now (the file changed under us) ends the segment there.
    pub(crate) fn read(&mut self, max: usize) -> Result<Option<Frames>, SpoolError> {
        loop {
            let Some((&seq, segment)) = self.segments.iter().find(|(_, s)| s.read < s.end) else { return Ok(None) };
            let (start, end) = (segment.read, segment.end);
            let path = self.segment_path(seq);
            let reader = self.reader_at(seq, start)?;
            let (mut payloads, mut offset, mut fault) = (Vec::new(), start, None);
            while payloads.len() < max && offset < end {
                match frame::next(reader).map_err(failed("read", &path))? {
                    Next::Frame(payload) => {
                        offset += frame::size(payload.len());
                        payloads.push(payload);
                    }
                    other => {
                        fault = Some(other);
                        break;
                    }
                }
            }
            let got = payloads.len() as u64;
            let Some(segment) = self.segments.get_mut(&seq) else { return Ok(None) };
            if let Some(fault) = &fault {
                self.damaged += 1;
                warn!(segment = %path.display(), offset, ?fault, "spool segment damaged since it was opened: the rest of it is skipped (counted)");
                segment.end = offset;
                segment.items = segment.in_flight + got;
                self.reader = None;
            }
            segment.read = offset;
            segment.in_flight += got;
            if got > 0 || fault.is_none() {
                return Ok(Some((payloads, Mark { seq, offset, items: got })));
            }
            if segment.in_flight == 0 {
                self.remove(seq)?;
            }
        }
    }

    /// The cached reader of segment `seq`, positioned at `offset`.
    fn reader_at(&mut self, seq: u64, offset: u64) -> Result<&mut BufReader<File>, SpoolError> {
        if self.reader.as_ref().is_none_or(|(cached, _)| *cached != seq) {
            let path = self.segment_path(seq);
            let mut file = File::open(&path).map_err(failed("open", &path))?;
            file.seek(SeekFrom::Start(offset)).map_err(failed("read", &path))?;
            self.reader = Some((seq, BufReader::new(file)));
        }
        match &mut self.reader {
            Some((_, reader)) => Ok(reader),
            None => Err(failed("open", &self.dir)(io::ErrorKind::NotFound.into())),
        }
    }

    /// Records that the frames up to `mark` are in the store: moves the segment's cursor, or
    /// deletes the segment once all of it is.
    pub(crate) fn commit(&mut self, mark: Mark) -> Result<(), SpoolError> {
        let Some(segment) = self.segments.get_mut(&mark.seq) else { return Ok(()) };
        segment.items = segment.items.saturating_sub(mark.items);
        segment.in_flight = segment.in_flight.saturating_sub(mark.items);
        segment.committed = mark.offset;
        if mark.offset >= segment.end && segment.in_flight == 0 {
            return self.remove(mark.seq);
        }
        cursor::write(&self.dir, mark.seq, mark.offset).map_err(failed("write cursor in", &self.dir))
    }

    /// Forgets what was read but not committed: the next read starts at the cursors again.
    pub(crate) fn rewind(&mut self) {
        for segment in self.segments.values_mut() {
            segment.read = segment.committed;
            segment.in_flight = 0;
        }
        self.reader = None;
    }

    /// Deletes segment `seq` (file first, then its cursor) and returns its bytes to the budget.
    fn remove(&mut self, seq: u64) -> Result<(), SpoolError> {
        let path = self.segment_path(seq);
        if self.writer.as_ref().is_some_and(|(writing, _)| *writing == seq) {
            self.writer = None;
        }
        if self.reader.as_ref().is_some_and(|(reading, _)| *reading == seq) {
            self.reader = None;
        }
        fs::remove_file(&path).map_err(failed("delete", &path))?;
        cursor::remove(&self.dir, seq).map_err(failed("remove cursor in", &self.dir))?;
        cursor::sync_dir(&self.dir).map_err(failed("sync directory", &self.dir))?;
        if let Some(segment) = self.segments.remove(&seq) {
            self.budget.release(segment.size);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
