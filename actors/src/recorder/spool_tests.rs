//! The spool keeps frames in order across reopening, resumes from its cursors, survives torn
//! and corrupt frames, rolls over and deletes what is replayed.

use std::path::Path;

use super::*;

const BIG: u64 = 64 * 1024 * 1024;

fn open(dir: &Path, segment_bytes: u64) -> Spool {
    Spool::open(dir, segment_bytes, SpoolBudget::new(u64::MAX)).expect("the spool opens")
}

fn frames(range: std::ops::Range<u32>) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    for n in range.clone() {
        frame::put(&mut out, format!("item-{n}").as_bytes());
    }
    (out, u64::from(range.end - range.start))
}

fn append(spool: &mut Spool, range: std::ops::Range<u32>) {
    let (bytes, items) = frames(range);
    spool.append(&bytes, items).expect("append");
}

/// Reads everything unread, committing batch by batch.
fn replay(spool: &mut Spool, batch: usize) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some((payloads, mark)) = spool.read(batch).expect("read") {
        seen.extend(payloads.into_iter().map(|p| String::from_utf8(p).expect("utf-8")));
        spool.commit(mark).expect("commit");
    }
    seen
}

fn names(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|n| format!("item-{n}")).collect()
}

fn files(dir: &Path, extension: &str) -> usize {
    let entries = fs::read_dir(dir).expect("list");
    entries.filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == extension))).count()
}

/// The only segment file in `dir`.
fn segment_file(dir: &Path) -> PathBuf {
    let mut entries = fs::read_dir(dir).expect("list").filter_map(Result::ok).map(|e| e.path());
    entries.find(|p| p.extension().is_some_and(|x| x == "seg")).expect("a segment")
}

#[test]
fn frames_survive_reopening_and_replay_in_order() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 0..3);
    append(&mut spool, 3..5);
    assert_eq!(spool.items(), 5);
    drop(spool);
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 5..7);
    assert_eq!(spool.items(), 7);
    assert_eq!(replay(&mut spool, 2), names(0..7));
    assert_eq!((spool.items(), spool.bytes()), (0, 0));
    assert_eq!(files(scratch.path(), "seg"), 0, "replayed segments are deleted");
}

#[test]
fn a_reopened_spool_resumes_after_its_last_commit_and_repeats_only_the_batch_in_flight() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 0..10);
    let (_, mark) = spool.read(4).expect("read").expect("frames");
    spool.commit(mark).expect("commit");
    let _in_flight = spool.read(4).expect("read").expect("frames");
    drop(spool); // a crash while 4..8 was being written to the store
    let mut spool = open(scratch.path(), BIG);
    assert_eq!(spool.items(), 6);
    assert_eq!(replay(&mut spool, 4), names(4..10));
}

#[test]
fn segments_roll_over_and_are_deleted_once_replayed() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), 64);
    for n in 0..6 {
        append(&mut spool, n * 4..n * 4 + 4);
    }
    let segments = files(scratch.path(), "seg");
    assert!(segments >= 3, "only {segments} segments for six appends past the size");
    let (payloads, mark) = spool.read(100).expect("read").expect("frames");
    assert_eq!(payloads.len(), 4, "a batch comes from one segment");
    spool.commit(mark).expect("commit");
    assert_eq!(files(scratch.path(), "seg"), segments - 1);
    assert_eq!(replay(&mut spool, 3), names(4..24));
    assert_eq!(files(scratch.path(), "seg") + files(scratch.path(), "cursor"), 0);
}

#[test]
fn a_torn_tail_is_counted_and_the_frames_before_it_replay() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 0..5);
    drop(spool);
    let path = segment_file(scratch.path());
    let len = fs::metadata(&path).expect("size").len();
    OpenOptions::new().write(true).open(&path).expect("open").set_len(len - 3).expect("tear the tail");
    let mut spool = open(scratch.path(), BIG);
    assert_eq!((spool.damaged(), spool.items()), (1, 4));
    append(&mut spool, 5..7);
    assert_eq!(replay(&mut spool, 10), [names(0..4), names(5..7)].concat());
}

#[test]
fn a_corrupt_frame_is_counted_and_ends_its_segment_only() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 0..5);
    drop(spool);
    let path = segment_file(scratch.path());
    let mut bytes = fs::read(&path).expect("read");
    let third = (HEADER + 2 * frame::size("item-0".len())) as usize;
    bytes[third + FRAME_HEAD_BYTES + 1] ^= 0x20;
    fs::write(&path, &bytes).expect("corrupt");
    let mut spool = open(scratch.path(), BIG);
    assert_eq!((spool.damaged(), spool.items()), (1, 2));
    append(&mut spool, 5..6);
    assert_eq!(replay(&mut spool, 10), [names(0..2), names(5..6)].concat());
    assert_eq!(files(scratch.path(), "seg"), 0);
}

const FRAME_HEAD_BYTES: usize = frame::FRAME_HEAD as usize;

#[test]
fn a_prepended_segment_replays_before_the_unread_rest() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 10..20);
    let (_, mark) = spool.read(3).expect("read").expect("frames");
    spool.commit(mark).expect("commit");
    let (older, items) = frames(0..5);
    spool.prepend(&older, items).expect("prepend");
    drop(spool);
    let mut spool = open(scratch.path(), BIG);
    assert_eq!(replay(&mut spool, 4), [names(0..5), names(13..20)].concat());
}

#[test]
fn rewinding_forgets_reads_that_were_not_committed() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut spool = open(scratch.path(), BIG);
    append(&mut spool, 0..6);
    let (_, mark) = spool.read(2).expect("read").expect("frames");
    spool.commit(mark).expect("commit");
    let _ = spool.read(2).expect("read");
    spool.rewind();
    assert_eq!(replay(&mut spool, 10), names(2..6));
}

#[test]
fn the_budget_is_shared_charged_and_released() {
    let scratch = tempfile::tempdir().expect("scratch");
    let budget = SpoolBudget::new(1_000);
    assert!(budget.try_reserve(900));
    assert!(!budget.try_reserve(200), "past the cap");
    budget.release(900);
    let mut spool = Spool::open(scratch.path(), BIG, budget.clone()).expect("open");
    let (bytes, items) = frames(0..3);
    assert!(budget.try_reserve(bytes.len() as u64));
    spool.append(&bytes, items).expect("append");
    assert_eq!(spool.bytes(), HEADER + bytes.len() as u64);
    replay(&mut spool, 10);
    assert!(budget.try_reserve(1_000), "a deleted segment gives its bytes back");
}

#[test]
fn leftovers_of_a_crash_are_tidied_at_open() {
    let scratch = tempfile::tempdir().expect("scratch");
    let dir = scratch.path();
    fs::write(dir.join("00000000004294967290.seg"), b"WVS").expect("a header cut short");
    fs::write(dir.join("00000000000000000001.cursor"), b"orphan").expect("a cursor without segment");
    fs::write(dir.join("00000000000000000002.cursor.tmp"), b"half").expect("a temporary cursor");
    fs::write(dir.join("00000000000000000003.seg"), b"NOTASPOOLFILE").expect("someone else's file");
    let spool = open(dir, BIG);
    assert_eq!((spool.items(), spool.damaged()), (0, 1));
    assert_eq!(files(dir, "cursor") + files(dir, "tmp"), 0);
    assert_eq!(files(dir, "seg"), 1, "a file that is not ours is left in place");
}
