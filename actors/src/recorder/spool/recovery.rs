//! Opening a spool: taking stock of the segments an earlier run left, from each one's cursor
//! to its first torn or corrupt frame, and tidying what a crash left half done.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use tracing::{error, info, warn};

use super::frame::{self, Next, MAGIC};
use super::{cursor, failed, Segment, Spool, SpoolBudget, SpoolError, HEADER};

impl Spool {
    /// Opens (creating it if need be) the spool in `dir`, and takes stock of what an earlier
    /// run left there: it replays before anything newer.
    pub(crate) fn open(dir: &Path, segment_bytes: u64, budget: Arc<SpoolBudget>) -> Result<Spool, SpoolError> {
        fs::create_dir_all(dir).map_err(failed("create directory", dir))?;
        let mut spool = Spool {
            dir: dir.to_owned(),
            segment_bytes: segment_bytes.max(HEADER + 1),
            segments: BTreeMap::new(),
            writer: None,
            reader: None,
            budget,
            damaged: 0,
        };
        for seq in spool.listed()? {
            spool.recover(seq)?;
        }
        if spool.items() > 0 {
            let (items, bytes) = (spool.items(), spool.bytes());
            info!(dir = %dir.display(), items, bytes, "spool left by an earlier run: replaying it before newer data");
        }
        Ok(spool)
    }

    /// Segment numbers present, in order; stray cursors and temporary files are removed.
    fn listed(&self) -> Result<Vec<u64>, SpoolError> {
        let entries = fs::read_dir(&self.dir).map_err(failed("list directory", &self.dir))?;
        let mut segments = Vec::new();
        let mut cursors = Vec::new();
        for entry in entries {
            let path = entry.map_err(failed("list directory", &self.dir))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            match name.split_once('.') {
                Some((seq, "seg")) => segments.extend(seq.parse::<u64>().ok()),
                Some((seq, "cursor")) => cursors.extend(seq.parse::<u64>().ok()),
                Some((_, "cursor.tmp")) => fs::remove_file(&path).map_err(failed("remove", &path))?,
                _ => {}
            }
        }
        for seq in cursors.into_iter().filter(|seq| !segments.contains(seq)) {
            cursor::remove(&self.dir, seq).map_err(failed("remove cursor in", &self.dir))?;
        }
        segments.sort_unstable();
        Ok(segments)
    }

    /// Takes stock of one segment left by an earlier run, from its cursor to its first damage.
    fn recover(&mut self, seq: u64) -> Result<(), SpoolError> {
        let path = self.segment_path(seq);
        let mut file = File::open(&path).map_err(failed("open", &path))?;
        let size = file.metadata().map_err(failed("read", &path))?.len();
        if !has_magic(&mut file).map_err(failed("read", &path))? {
            return self.set_aside(seq, size);
        }
        let start = match cursor::read(&self.dir, seq) {
            Ok(offset) => offset.unwrap_or(HEADER).clamp(HEADER, size),
            Err(error) => {
                warn!(segment = %path.display(), %error, "spool cursor unreadable: replaying the segment from its start");
                HEADER
            }
        };
        file.seek(SeekFrom::Start(start)).map_err(failed("read", &path))?;
        let mut reader = BufReader::new(file);
        let (mut end, mut items) = (start, 0);
        loop {
            match frame::next(&mut reader).map_err(failed("read", &path))? {
                Next::Frame(payload) => {
                    end += frame::size(payload.len());
                    items += 1;
                }
                Next::End => break,
                fault => {
                    self.damaged += 1;
                    let lost = size - end;
                    warn!(segment = %path.display(), offset = end, lost, ?fault, "spool segment damaged (a crash mid-write?): its frames before the damage replay, the rest is skipped (counted)");
                    break;
                }
            }
        }
        self.budget.add(size);
        self.segments.insert(seq, Segment { end, read: start, committed: start, items, in_flight: 0, size });
        if items == 0 {
            self.remove(seq)?;
        }
        Ok(())
    }

    /// A segment without a whole header: one cut short as it was created holds nothing and is
    /// removed; any other is not ours to read, so it is left in place and counted.
    fn set_aside(&mut self, seq: u64, size: u64) -> Result<(), SpoolError> {
        let path = self.segment_path(seq);
        if size < HEADER {
            warn!(segment = %path.display(), size, "spool segment cut short as it was created: removed");
            return fs::remove_file(&path).map_err(failed("delete", &path));
        }
        self.damaged += 1;
        error!(segment = %path.display(), size, "spool segment has no valid header: left in place, not replayed");
        Ok(())
    }
}

/// Whether `file` starts with the segment header.
fn has_magic(file: &mut File) -> io::Result<bool> {
    let mut header = [0u8; MAGIC.len()];
    match io::Read::read_exact(file, &mut header) {
        Ok(()) => Ok(&header == MAGIC),
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(error) => Err(error),
    }
}
