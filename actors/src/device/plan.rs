//! Read planning: coalesce a profile's registers into as few requests as the device allows,
//! and decode the replies into a sample.

use super::codec::decode;
use super::profile::{CodeTable, Field, FunctionCode, Profile};
use crate::domain::{Parameter, Sample, TripCode};

/// One Modbus read request and the fields it carries.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadBlock {
    pub function: FunctionCode,
    pub address: u16,
    pub count: u16,
    /// Fields decoded from this block, by index into the profile's fields.
    fields: Vec<usize>,
}

/// The requests one poll makes, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadPlan {
    pub blocks: Vec<ReadBlock>,
    fields: Vec<Field>,
}

/// A register block that could not be decoded as planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("reply has {got} registers, asked for {want}")]
    WrongLength { got: usize, want: u16 },
    #[error("{parameter} is not a finite number")]
    NotFinite { parameter: Parameter },
}

impl ReadPlan {
    /// Coalesces contiguous or overlapping registers of one function code, up to the profile's
    /// per-request maximum. Gaps are never read: some devices reject unmapped addresses.
    pub fn new(profile: &Profile) -> ReadPlan {
        let mut order: Vec<usize> = (0..profile.fields.len()).collect();
        order.sort_by_key(|&i| (profile.fields[i].function, profile.fields[i].address));
        let max = u32::from(profile.max_registers_per_request);
        let mut blocks: Vec<ReadBlock> = Vec::new();
        for index in order {
            let field = &profile.fields[index];
            let start = u32::from(field.address);
            let end = start + u32::from(field.kind.width());
            if let Some(block) = blocks.last_mut() {
                let block_start = u32::from(block.address);
                let block_end = block_start + u32::from(block.count);
                let joins = block.function == field.function && start <= block_end;
                if joins && end.max(block_end) - block_start <= max {
                    block.count = (end.max(block_end) - block_start) as u16;
                    block.fields.push(index);
                    continue;
                }
            }
            blocks.push(ReadBlock {
                function: field.function,
                address: field.address,
                count: field.kind.width(),
                fields: vec![index],
            });
        }
        ReadPlan { blocks, fields: profile.fields.clone() }
    }

    /// Decodes one block's reply into `sample`. Every field that decodes is stored even when
    /// another in the block does not; the first problem is returned.
    pub fn decode_block(&self, block: usize, words: &[u16], sample: &mut Sample) -> Result<(), DecodeError> {
        let block = &self.blocks[block];
        if words.len() != usize::from(block.count) {
            return Err(DecodeError::WrongLength { got: words.len(), want: block.count });
        }
        let mut first_error = None;
        for &index in &block.fields {
            let field = &self.fields[index];
            let at = usize::from(field.address - block.address);
            let span = &words[at..at + usize::from(field.kind.width())];
            match decode(field.kind, field.word_order, field.bits, span) {
                Some(raw) => store(field, raw, sample),
                None => {
                    first_error.get_or_insert(DecodeError::NotFinite { parameter: field.parameter });
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

fn store(field: &Field, raw: f64, sample: &mut Sample) {
    match &field.codes {
        Some(CodeTable::RunState(table)) => {
            sample.values.set(field.parameter, raw);
            sample.run_state = table.get(&(raw as u32)).copied();
        }
        Some(CodeTable::TripCode(table)) => {
            sample.values.set(field.parameter, raw);
            sample.trip_code = Some(table.get(&(raw as u32)).copied().unwrap_or(TripCode::Other));
        }
        None => sample.values.set(field.parameter, field.scaled(raw)),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
