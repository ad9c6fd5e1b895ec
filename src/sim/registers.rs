//! A reading rendered into register words through a device profile: the inverse of the
//! pollers' decoding, built on the same codec so the two can never disagree about a layout.
//!
//! Nothing is stored per well: words are rendered on demand into the caller's buffer, so a
//! fleet of 10,000 idle wells holds no register images at all.

use wellvisor_actors::device::codec::encode;
use wellvisor_actors::device::{CodeTable, Field, FunctionCode, Profile};
use wellvisor_actors::domain::{RunState, TripCode};

use super::physics::Reading;

/// A read outside the device's register space (Modbus exception 0x02).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("illegal data address")]
pub struct IllegalAddress;

/// The registers of one table (holding or input) and the span they occupy.
#[derive(Clone, Debug)]
struct Table {
    /// First address of the span, inclusive.
    start: u32,
    /// Last address of the span, exclusive; `start == end` for a table with no registers.
    end: u32,
    fields: Vec<Field>,
}

/// How a profile lays out a well's values, ready to render reads.
#[derive(Clone, Debug)]
pub struct RegisterMap {
    holding: Table,
    input: Table,
    /// The device code for each canonical run state: the smallest key mapping to it.
    run_codes: Vec<(RunState, u32)>,
    trip_codes: Vec<(TripCode, u32)>,
}

impl RegisterMap {
    pub fn new(profile: &Profile) -> RegisterMap {
        let mut run_codes = Vec::new();
        let mut trip_codes = Vec::new();
        for field in &profile.fields {
            match &field.codes {
                Some(CodeTable::RunState(table)) => run_codes = smallest_codes(table),
                Some(CodeTable::TripCode(table)) => trip_codes = smallest_codes(table),
                None => {}
            }
        }
        RegisterMap {
            holding: Table::new(profile, FunctionCode::Holding),
            input: Table::new(profile, FunctionCode::Input),
            run_codes,
            trip_codes,
        }
    }

    /// Renders `out.len()` registers from `address` of `function`'s table. Addresses inside
    /// the span that no field maps read as 0; any address outside it fails the whole read.
    pub fn read(
        &self,
        function: FunctionCode,
        address: u16,
        reading: &Reading,
        out: &mut [u16],
    ) -> Result<(), IllegalAddress> {
        let table = match function {
            FunctionCode::Holding => &self.holding,
            FunctionCode::Input => &self.input,
        };
        let first = u32::from(address);
        let end = first + out.len() as u32;
        if first < table.start || end > table.end {
            return Err(IllegalAddress);
        }
        out.fill(0);
        for field in &table.fields {
            if let Some(raw) = self.raw_value(field, reading) {
                render_field(field, raw, first, out);
            }
        }
        Ok(())
    }

    /// The number to encode for `field`: a device code, or the unscaled engineering value.
    /// `None` when the reading has no value or the profile has no code for the state.
    fn raw_value(&self, field: &Field, reading: &Reading) -> Option<f64> {
        let code = match &field.codes {
            Some(CodeTable::RunState(_)) => lookup(&self.run_codes, reading.run_state),
            Some(CodeTable::TripCode(_)) => {
                // Unmapped trip codes fall back to the device's "other", as pollers read them.
                lookup(&self.trip_codes, reading.trip_code).or_else(|| lookup(&self.trip_codes, TripCode::Other))
            }
            None => return reading.values.get(field.parameter).map(|value| field.unscaled(value)),
        };
        code.map(f64::from)
    }
}

impl Table {
    fn new(profile: &Profile, function: FunctionCode) -> Table {
        let fields: Vec<Field> = profile.fields.iter().filter(|f| f.function == function).cloned().collect();
        let start = fields.iter().map(|f| u32::from(f.address)).min().unwrap_or(0);
        let end = fields.iter().map(|f| u32::from(f.address) + u32::from(f.kind.width())).max().unwrap_or(0);
        Table { start, end: end.max(start), fields }
    }
}

/// Encodes one field into the part of it that falls inside `out` (which starts at `first`).
/// Words already in `out` are encoded over, so bit fields sharing a register keep each other.
fn render_field(field: &Field, raw: f64, first: u32, out: &mut [u16]) {
    let width = usize::from(field.kind.width());
    let len = out.len();
    let slot = |k: usize| {
        let address = u32::from(field.address) + k as u32;
        address.checked_sub(first).map(|at| at as usize).filter(|at| *at < len)
    };
    if (0..width).all(|k| slot(k).is_none()) {
        return;
    }
    let mut words = [0u16; 2];
    for (k, word) in words.iter_mut().enumerate().take(width) {
        if let Some(at) = slot(k) {
            *word = out[at];
        }
    }
    encode(field.kind, field.word_order, field.bits, raw, &mut words[..width]);
    for (k, word) in words.iter().enumerate().take(width) {
        if let Some(at) = slot(k) {
            out[at] = *word;
        }
    }
}

/// For each canonical value in a device's code table, the smallest device code mapping to it,
/// so the simulator's choice is deterministic.
fn smallest_codes<T: Copy + PartialEq>(table: &std::collections::HashMap<u32, T>) -> Vec<(T, u32)> {
    let mut codes: Vec<(T, u32)> = Vec::new();
    for (&code, &canonical) in table {
        match codes.iter_mut().find(|(known, _)| *known == canonical) {
            Some(entry) => entry.1 = entry.1.min(code),
            None => codes.push((canonical, code)),
        }
    }
    codes
}

fn lookup<T: PartialEq + Copy>(codes: &[(T, u32)], wanted: T) -> Option<u32> {
    codes.iter().find(|(canonical, _)| *canonical == wanted).map(|(_, code)| *code)
}

#[cfg(test)]
#[path = "registers_tests.rs"]
mod tests;
