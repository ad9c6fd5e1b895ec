//! A segment's replay cursor: the offset up to which its frames are in the store. It is
//! written after each successful store write of frames from the segment, atomically (a
//! temporary file, fsync, rename, fsync of the directory), so a crash leaves either the old
//! cursor or the new one, never half of one. Without a cursor a segment replays from its start.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The cursor file of segment `seq` in `dir`.
pub(crate) fn path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.cursor"))
}

/// Reads segment `seq`'s cursor: `Ok(None)` when there is none, `InvalidData` when it is damaged.
pub(crate) fn read(dir: &Path, seq: u64) -> io::Result<Option<u64>> {
    let bytes = match fs::read(path(dir, seq)) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let damaged = || io::Error::new(io::ErrorKind::InvalidData, "cursor checksum does not hold");
    let (offset, checksum) = match bytes.as_slice() {
        [o @ .., c0, c1, c2, c3] if o.len() == 8 => (o, u32::from_le_bytes([*c0, *c1, *c2, *c3])),
        _ => return Err(damaged()),
    };
    if crc32fast::hash(offset) != checksum {
        return Err(damaged());
    }
    let mut raw = [0u8; 8];
    raw.copy_from_slice(offset);
    Ok(Some(u64::from_le_bytes(raw)))
}

/// Replaces segment `seq`'s cursor with `offset`, durably.
pub(crate) fn write(dir: &Path, seq: u64, offset: u64) -> io::Result<()> {
    let target = path(dir, seq);
    let temporary = target.with_extension("cursor.tmp");
    let mut bytes = offset.to_le_bytes().to_vec();
    bytes.extend_from_slice(&crc32fast::hash(&offset.to_le_bytes()).to_le_bytes());
    let mut file = File::create(&temporary)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    fs::rename(&temporary, &target)?;
    sync_dir(dir)
}

/// Removes segment `seq`'s cursor, if it has one.
pub(crate) fn remove(dir: &Path, seq: u64) -> io::Result<()> {
    match fs::remove_file(path(dir, seq)) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Makes a create, rename or delete in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_was_written_last() {
        let scratch = tempfile::tempdir().expect("scratch directory");
        let dir = scratch.path();
        assert_eq!(read(dir, 7).expect("no cursor is not an error"), None);
        write(dir, 7, 8).expect("write");
        write(dir, 7, 4_096).expect("overwrite");
        assert_eq!(read(dir, 7).expect("read"), Some(4_096));
        assert_eq!(read(dir, 8).expect("other segment"), None);
        remove(dir, 7).expect("remove");
        remove(dir, 7).expect("removing twice is fine");
        assert_eq!(read(dir, 7).expect("read"), None);
    }

    #[test]
    fn a_damaged_cursor_is_reported_not_trusted() {
        let scratch = tempfile::tempdir().expect("scratch directory");
        let dir = scratch.path();
        write(dir, 1, 123).expect("write");
        let mut bytes = fs::read(path(dir, 1)).expect("read back");
        bytes[0] ^= 0xff;
        fs::write(path(dir, 1), &bytes).expect("damage");
        let error = read(dir, 1).expect_err("a damaged cursor is an error");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        fs::write(path(dir, 1), b"short").expect("truncate");
        assert!(read(dir, 1).is_err());
    }
}
