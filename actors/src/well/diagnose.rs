//! The well's diagnostics step: runs the well's [`Engine`] on every poll, drives its alarm
//! points in the fleet's [`AlarmBook`], and turns what changed into history records for the
//! recorder. Pure apart from the book it is handed; the actor supplies the time.

use chrono::{DateTime, TimeDelta, Utc};

use crate::diagnostics::book::{AlarmBook, BookChanges, Evaluation};
use crate::diagnostics::rules::alarm_config;
use crate::diagnostics::{
    AlarmId, Baseline, DiagnosisEvent, DiagnosisKind, DiagnosisRecord, Engine, Finding, Poll, Source, Thresholds,
};
use crate::domain::{WellData, WellId};
use crate::store::{Record, StoredBaseline};

/// How often a learning baseline is handed to the historian.
const BASELINE_SAVE_EVERY: TimeDelta = TimeDelta::minutes(10);
/// How often the book is consulted when no finding changed: often enough to notice delays that
/// elapsed at the book's own tick, rarely enough to cost nothing at a fast poll rate.
const BOOK_REFRESH: TimeDelta = TimeDelta::seconds(5);

/// A diagnosis the well shows now, for its detail view.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CurrentDiagnosis {
    pub kind: DiagnosisKind,
    pub since: DateTime<Utc>,
    pub record: DiagnosisRecord,
}

/// What one poll changed.
#[derive(Debug, Default)]
pub struct DiagnosticStep {
    /// For the recorder: history entries, alarm journal and states, the baseline.
    pub records: Vec<Record>,
    /// History entries, for the well's in-memory history.
    pub history: Vec<DiagnosisRecord>,
    /// The baseline after this poll, when it learned.
    pub baseline: Option<Baseline>,
}

/// One well's diagnostics.
pub struct WellDiagnostics {
    well_id: WellId,
    source: Source,
    engine: Engine,
    /// Which diagnoses the book holds raised, by [`DiagnosisKind`] slot.
    raised: Vec<bool>,
    baseline_saved_at: Option<DateTime<Utc>>,
    /// Diagnoses that ever held here: only their alarm points exist in the book, so a healthy
    /// well costs the book nothing.
    known: Vec<bool>,
    /// What the book was last told, and when.
    told: Vec<(bool, bool, u8, Option<DiagnosisKind>)>,
    told_at: Option<DateTime<Utc>>,
}

impl WellDiagnostics {
    /// Starts the well's diagnostics from its last baseline, resuming what the book still holds
    /// raised (after an actor or process restart) so a warming engine does not clear it.
    pub fn new(well_id: WellId, data: WellData, limits: Thresholds, baseline: Baseline, book: &AlarmBook) -> Self {
        let source = Source::Well(well_id.clone());
        let mut engine = Engine::new(data, limits, baseline);
        let mut raised = vec![false; DiagnosisKind::ALL.len()];
        for name in book.active_names(&source) {
            if let Some(kind) = DiagnosisKind::from_name(&name) {
                engine.resume(kind);
                engine.set_raised(kind, true);
                raised[kind as usize] = true;
            }
        }
        let known = raised.clone();
        Self { well_id, source, engine, raised, known, baseline_saved_at: None, told: Vec::new(), told_at: None }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs one poll through the engine and the book.
    pub fn observe(&mut self, poll: Poll, book: &AlarmBook) -> DiagnosticStep {
        let learned = self.engine.observe(poll);
        let mut step = DiagnosticStep::default();
        self.save_baseline(learned, poll.at, &mut step);
        let fresh = self.told_at.is_some_and(|at| poll.at - at < BOOK_REFRESH);
        let findings = self.engine.findings();
        let unchanged = self.told.len() == findings.len()
            && self.told.iter().zip(findings).all(|(told, finding)| *told == fingerprint(finding));
        if fresh && unchanged {
            return step;
        }
        let findings: Vec<_> = findings.iter().map(fingerprint).collect();
        for finding in self.engine.findings().iter().filter(|f| f.measured) {
            self.known[finding.kind as usize] = true;
        }
        let known = &self.known;
        let evaluations: Vec<Evaluation> = self
            .engine
            .findings()
            .iter()
            .filter(|f| judged(f) && known[f.kind as usize])
            .map(|f| self.evaluation(f))
            .collect();
        let changes = book.evaluate_all(&self.source, &evaluations, poll.at);
        self.told = findings;
        self.told_at = Some(poll.at);
        self.notice_raised(book, poll.at, &mut step);
        push_changes(changes, &mut step.records);
        step
    }

    fn evaluation(&self, finding: &Finding) -> Evaluation<'static> {
        let kind = finding.kind;
        let mut evaluation = Evaluation::diagnosis(kind, finding.measured, kind.advice())
            .with_config(alarm_config(kind, finding.priority));
        if let Some(cause) = finding.explained_by {
            evaluation = evaluation.explained_by(AlarmId::new(&self.source, cause.as_str()));
        }
        evaluation
    }

    /// Compares what the book holds raised with what this well last knew, and writes a history
    /// entry for each change (a delay may have elapsed at the book's own tick).
    fn notice_raised(&mut self, book: &AlarmBook, now: DateTime<Utc>, step: &mut DiagnosticStep) {
        let mut raised_now = vec![false; DiagnosisKind::ALL.len()];
        for name in book.active_names(&self.source) {
            if let Some(kind) = DiagnosisKind::from_name(&name) {
                raised_now[kind as usize] = true;
            }
        }
        for kind in DiagnosisKind::ALL.iter().copied() {
            let (before, after) = (self.raised[kind as usize], raised_now[kind as usize]);
            if before == after {
                continue;
            }
            self.engine.set_raised(kind, after);
            let event = if after { DiagnosisEvent::Raised } else { DiagnosisEvent::Cleared };
            let record = self.record(kind, event, now, book);
            step.history.push(record.clone());
            step.records.push(Record::Diagnosis(record));
        }
        self.raised = raised_now;
    }

    fn record(
        &self,
        kind: DiagnosisKind,
        event: DiagnosisEvent,
        now: DateTime<Utc>,
        book: &AlarmBook,
    ) -> DiagnosisRecord {
        let finding = &self.engine.findings()[kind as usize];
        let alarm_id = AlarmId::new(&self.source, kind.as_str());
        let parent = book.get(&alarm_id).and_then(|record| record.parent);
        let raised = event == DiagnosisEvent::Raised;
        DiagnosisRecord {
            source: self.source.clone(),
            kind,
            event,
            at: now,
            priority: finding.priority,
            confidence: if raised { finding.confidence } else { 0.0 },
            evidence: if raised { finding.evidence.clone() } else { Vec::new() },
            blocks_auto_restart: kind.blocks_auto_restart(),
            advice: kind.advice().to_owned(),
            alarm_id,
            parent,
        }
    }

    fn save_baseline(&mut self, learned: bool, now: DateTime<Utc>, step: &mut DiagnosticStep) {
        if !learned {
            return;
        }
        let baseline = self.engine.baseline().clone();
        let due = self.baseline_saved_at.is_none_or(|at| now - at >= BASELINE_SAVE_EVERY);
        if due {
            if let Ok(state) = serde_json::to_string(&baseline) {
                let stored = StoredBaseline { well_id: self.well_id.clone(), at: now, state };
                step.records.push(Record::Baseline(stored));
                self.baseline_saved_at = Some(now);
            }
        }
        step.baseline = Some(baseline);
    }
}

/// What of a finding the book acts on.
fn fingerprint(finding: &Finding) -> (bool, bool, u8, Option<DiagnosisKind>) {
    (finding.measured, finding.inhibited, finding.priority.rank(), finding.explained_by)
}

/// Whether a finding is worth handing to the book: the rule judged this poll, and the diagnosis
/// is the well's own (the feeder judges power events).
fn judged(finding: &Finding) -> bool {
    !finding.inhibited && finding.kind != DiagnosisKind::PowerEvent
}

/// The book's journal and states, as records for the historian.
pub fn push_changes(changes: BookChanges, records: &mut Vec<Record>) {
    records.extend(changes.journal.into_iter().map(Record::Journal));
    records.extend(changes.states.into_iter().map(Record::AlarmState));
}
