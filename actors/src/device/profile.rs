//! Device profiles: a TOML register map from a device configuration to canonical parameters,
//! validated before any actor starts (architecture §3).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::codec::{BitField, RegisterType, WordOrder};
use crate::diagnostics::thresholds::ThresholdOverrides;
use crate::domain::{Parameter, RunState, TripCode, WellData, WellDataOverrides};

/// The Modbus table a register lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FunctionCode {
    /// Function code 3, holding registers (4xxxx).
    Holding,
    /// Function code 4, input registers (3xxxx).
    Input,
}

impl FunctionCode {
    pub fn code(self) -> u8 {
        match self {
            FunctionCode::Holding => 3,
            FunctionCode::Input => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            3 => Some(FunctionCode::Holding),
            4 => Some(FunctionCode::Input),
            _ => None,
        }
    }
}

/// How the addresses in a profile are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Addressing {
    /// Raw protocol (PDU) addresses, 0–65535.
    ZeroBased,
    /// Register numbers, 1–65536: "register 1 is address 0".
    OneBased,
    /// Modicon numbers that name the table: 30001–39999 / 300001–365536 are input registers,
    /// 40001–49999 / 400001–465536 holding registers.
    Modicon,
}

/// A profile as written in TOML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    /// What device configuration this map describes.
    #[serde(default)]
    description: String,
    /// The unit id to address when a well does not set one.
    #[serde(default = "default_unit_id")]
    unit_id: u8,
    addressing: Addressing,
    /// Default function code (3 or 4) for registers that do not set one.
    #[serde(default = "default_function_code")]
    function_code: u8,
    /// Default word order for registers that do not set one.
    #[serde(default)]
    word_order: WordOrder,
    /// The most registers one read may ask for (the protocol allows 125).
    #[serde(default = "default_max_registers")]
    max_registers_per_request: u16,
    /// Static data for wells using this profile, where a well says nothing better
    /// (esp-domain §1.1); unset figures take [`WellData::default`].
    #[serde(default)]
    well_data: WellDataOverrides,
    /// Limits of the diagnostic rules for wells using this profile, any subset of the keys of
    /// [`Thresholds`](crate::diagnostics::Thresholds); unset ones take the built-in defaults.
    #[serde(default)]
    thresholds: ThresholdOverrides,
    #[serde(default, rename = "register")]
    registers: Vec<RegisterFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFile {
    parameter: String,
    address: u32,
    function_code: Option<u8>,
    #[serde(rename = "type")]
    kind: RegisterType,
    word_order: Option<WordOrder>,
    bit: Option<u8>,
    width: Option<u8>,
    #[serde(default = "one")]
    scale: f64,
    #[serde(default)]
    offset: f64,
    map: Option<BTreeMap<String, String>>,
}

fn default_unit_id() -> u8 {
    1
}
fn default_function_code() -> u8 {
    3
}
fn default_max_registers() -> u16 {
    125
}
fn one() -> f64 {
    1.0
}

/// A validated profile, ready to plan reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub unit_id: u8,
    pub max_registers_per_request: u16,
    pub fields: Vec<Field>,
    /// Defaults for the static data of wells using this profile; never carries a feeder.
    pub well_data: WellData,
    /// The profile's `[thresholds]` as written, checked to resolve over the built-in defaults.
    /// Kept partial so a group's or well's table layers over it key by key.
    pub thresholds: ThresholdOverrides,
}

/// One register mapping, resolved to a protocol address.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub parameter: Parameter,
    pub function: FunctionCode,
    /// Protocol (PDU) address of the first register.
    pub address: u16,
    pub kind: RegisterType,
    pub word_order: WordOrder,
    pub bits: BitField,
    pub scale: f64,
    pub offset: f64,
    pub codes: Option<CodeTable>,
}

impl Field {
    /// Engineering value from a raw register number.
    pub fn scaled(&self, raw: f64) -> f64 {
        let value = raw * self.scale + self.offset;
        // Decimal scale factors leave binary noise (613 × 0.1 = 61.300000000000004); no device
        // value carries nine decimals, so round it away where that is exact to do.
        if value.abs() < 1e6 {
            (value * 1e9).round() / 1e9
        } else {
            value
        }
    }

    /// Raw register number for an engineering value, the inverse of [`Field::scaled`].
    pub fn unscaled(&self, value: f64) -> f64 {
        (value - self.offset) / self.scale
    }
}

/// A device's own codes mapped to canonical ones.
#[derive(Clone, Debug, PartialEq)]
pub enum CodeTable {
    RunState(HashMap<u32, RunState>),
    TripCode(HashMap<u32, TripCode>),
}

/// A profile that cannot be used, naming where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("profile {profile}: {location}: {problem}")]
pub struct ProfileError {
    pub profile: String,
    /// The key or register at fault, e.g. `register[3] (current_a).address`.
    pub location: String,
    pub problem: String,
}

impl Profile {
    /// Parses and validates a profile; `name` is what wells refer to it by.
    pub fn from_toml(name: &str, text: &str) -> Result<Profile, ProfileError> {
        let fail = |location: String, problem: String| ProfileError { profile: name.to_owned(), location, problem };
        let file: ProfileFile = toml::from_str(text).map_err(|error| {
            let location = error.span().map_or("file".to_owned(), |span| line_of(text, span.start));
            fail(location, error.message().to_owned())
        })?;
        validate_header(&file).map_err(|(key, problem)| fail(key.to_owned(), problem))?;
        let well_data = well_data_defaults(&file.well_data).map_err(|(key, problem)| fail(key, problem))?;
        file.thresholds.resolve().map_err(|error| fail(format!("thresholds.{}", error.key), error.problem))?;
        let mut fields = Vec::with_capacity(file.registers.len());
        for (index, register) in file.registers.iter().enumerate() {
            let field = resolve(&file, register).map_err(|(key, problem)| {
                let at = format!("register[{index}] ({}){key}", register.parameter);
                fail(at, problem)
            })?;
            if fields.iter().any(|f: &Field| f.parameter == field.parameter) {
                let at = format!("register[{index}] ({})", register.parameter);
                return Err(fail(at, "parameter is mapped twice".into()));
            }
            fields.push(field);
        }
        Ok(Profile {
            name: name.to_owned(),
            description: file.description,
            unit_id: file.unit_id,
            max_registers_per_request: file.max_registers_per_request,
            fields,
            well_data,
            thresholds: file.thresholds,
        })
    }

    /// The field that maps `parameter`, if the profile has one.
    pub fn field(&self, parameter: Parameter) -> Option<&Field> {
        self.fields.iter().find(|f| f.parameter == parameter)
    }
}

fn line_of(text: &str, offset: usize) -> String {
    let line = text[..offset.min(text.len())].matches('\n').count() + 1;
    format!("line {line}")
}

type Problem = (&'static str, String);

fn validate_header(file: &ProfileFile) -> Result<(), Problem> {
    if !(1..=125).contains(&file.max_registers_per_request) {
        let problem = format!("{} is outside 1-125", file.max_registers_per_request);
        return Err(("max_registers_per_request", problem));
    }
    if FunctionCode::from_code(file.function_code).is_none() {
        return Err(("function_code", format!("{} is not 3 (holding) or 4 (input)", file.function_code)));
    }
    if file.registers.is_empty() {
        return Err(("register", "the profile maps no registers".into()));
    }
    Ok(())
}

/// The profile's `[well_data]` over the built-in defaults. A feeder belongs to a well's site,
/// not to a device model, so a profile may not name one.
fn well_data_defaults(defaults: &WellDataOverrides) -> Result<WellData, (String, String)> {
    if defaults.feeder_id.is_some() {
        let problem = "a feeder is per well: set it on the well or its well_group, not in a profile";
        return Err(("well_data.feeder_id".into(), problem.into()));
    }
    let data = defaults.apply(&WellData::default());
    data.validate().map_err(|error| (format!("well_data.{}", error.field), error.problem))?;
    Ok(data)
}

fn resolve(file: &ProfileFile, register: &RegisterFile) -> Result<Field, Problem> {
    let parameter = Parameter::from_name(&register.parameter)
        .ok_or(("", "not a canonical parameter (esp-domain §1)".to_owned()))?;
    let (function, address) = protocol_address(file, register)?;
    if u32::from(address) + u32::from(register.kind.width()) > 65_536 {
        return Err((".address", "the value runs past address 65535".into()));
    }
    let bits = bit_field(register)?;
    if !register.scale.is_finite() || register.scale == 0.0 {
        return Err((".scale", "must be a finite, non-zero number".into()));
    }
    if !register.offset.is_finite() {
        return Err((".offset", "must be a finite number".into()));
    }
    let codes = code_table(parameter, register)?;
    Ok(Field {
        parameter,
        function,
        address,
        kind: register.kind,
        word_order: register.word_order.unwrap_or(file.word_order),
        bits,
        scale: register.scale,
        offset: register.offset,
        codes,
    })
}

fn protocol_address(file: &ProfileFile, register: &RegisterFile) -> Result<(FunctionCode, u16), Problem> {
    let explicit = match register.function_code {
        Some(code) => Some(
            FunctionCode::from_code(code)
                .ok_or((".function_code", format!("{code} is not 3 (holding) or 4 (input)")))?,
        ),
        None => None,
    };
    let default = FunctionCode::from_code(file.function_code).unwrap_or(FunctionCode::Holding);
    let raw = register.address;
    let out_of_range = |range: &str| (".address", format!("{raw} is outside {range}"));
    let (table, pdu) = match file.addressing {
        Addressing::ZeroBased if raw <= 65_535 => (explicit.unwrap_or(default), raw),
        Addressing::ZeroBased => return Err(out_of_range("0-65535 for zero_based addressing")),
        Addressing::OneBased if (1..=65_536).contains(&raw) => (explicit.unwrap_or(default), raw - 1),
        Addressing::OneBased => return Err(out_of_range("1-65536 for one_based addressing")),
        Addressing::Modicon => modicon(raw).ok_or_else(|| {
            out_of_range("30001-39999, 40001-49999, 300001-365536 or 400001-465536 for modicon addressing")
        })?,
    };
    if let Some(code) = explicit {
        if code != table {
            let problem = format!("function code {} contradicts modicon address {raw}", code.code());
            return Err((".function_code", problem));
        }
    }
    Ok((table, pdu as u16))
}

fn modicon(raw: u32) -> Option<(FunctionCode, u32)> {
    match raw {
        30_001..=39_999 => Some((FunctionCode::Input, raw - 30_001)),
        40_001..=49_999 => Some((FunctionCode::Holding, raw - 40_001)),
        300_001..=365_536 => Some((FunctionCode::Input, raw - 300_001)),
        400_001..=465_536 => Some((FunctionCode::Holding, raw - 400_001)),
        _ => None,
    }
}

fn bit_field(register: &RegisterFile) -> Result<BitField, Problem> {
    if register.kind != RegisterType::Bits {
        if register.bit.is_some() || register.width.is_some() {
            return Err((".bit", "bit and width apply only to type = \"bits\"".into()));
        }
        return Ok(BitField { bit: 0, width: 16 });
    }
    let bit = register.bit.ok_or((".bit", "type = \"bits\" needs the first bit (0-15)".into()))?;
    let width = register.width.unwrap_or(1);
    if bit > 15 || width == 0 || u16::from(bit) + u16::from(width) > 16 {
        return Err((".width", format!("bits {bit}..{} do not fit one register", u16::from(bit) + u16::from(width))));
    }
    Ok(BitField { bit, width })
}

fn code_table(parameter: Parameter, register: &RegisterFile) -> Result<Option<CodeTable>, Problem> {
    let Some(map) = &register.map else {
        if parameter.is_code() {
            return Err((".map", "run_state and trip_code need a map of device codes to canonical codes".into()));
        }
        return Ok(None);
    };
    if !parameter.is_code() {
        return Err((".map", "only run_state and trip_code take a code map".into()));
    }
    if !register.kind.is_integer() || register.scale != 1.0 || register.offset != 0.0 {
        return Err((".type", "a code register must be an unscaled integer".into()));
    }
    let mut raw_codes = Vec::with_capacity(map.len());
    for (key, canonical) in map {
        let code = key.parse::<u32>().map_err(|_| (".map", format!("key {key:?} is not a device code number")))?;
        raw_codes.push((code, canonical.as_str()));
    }
    let unknown = |canonical: &str| (".map", format!("{canonical:?} is not a canonical {parameter} code"));
    let table = if parameter == Parameter::RunState {
        let codes = raw_codes
            .iter()
            .map(|(code, name)| RunState::from_name(name).map(|s| (*code, s)).ok_or_else(|| unknown(name)));
        CodeTable::RunState(codes.collect::<Result<_, _>>()?)
    } else {
        let codes = raw_codes
            .iter()
            .map(|(code, name)| TripCode::from_name(name).map(|s| (*code, s)).ok_or_else(|| unknown(name)));
        CodeTable::TripCode(codes.collect::<Result<_, _>>()?)
    };
    Ok(Some(table))
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
