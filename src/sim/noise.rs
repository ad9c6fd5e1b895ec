//! Deterministic measurement noise: a pure function of (well key, channel, tick), so any reading
//! can be recomputed at any time without storing a random-number generator per well.

/// Noise is redrawn once per tick: a real drive refreshes its registers about once a second, so
/// two reads within the same second see the same values.
pub const TICK_SECONDS: u64 = 1;

/// The half-width of [`gaussian`]'s support, in standard deviations: 2·√3.
pub const GAUSSIAN_BOUND: f64 = 3.464_101_615_137_754_6;

/// An approximately standard-normal number (Irwin–Hall with four uniforms, rescaled).
///
/// Bounded to ±[`GAUSSIAN_BOUND`], which lets the model promise hard limits such as "three-phase
/// currents within 2 %" while still looking like Gaussian noise.
pub fn gaussian(key: u64, channel: u32, tick: u64) -> f64 {
    let bits = mix(key, channel, tick);
    let sum: f64 = (0..4).map(|i| f64::from((bits >> (16 * i)) as u16) / 65_536.0).sum();
    (sum - 2.0) * 3.0_f64.sqrt()
}

/// A uniform number in [0, 1) from the same hash, for draws that are not noise around a mean.
pub fn uniform(key: u64, channel: u32, tick: u64) -> f64 {
    (mix(key, channel, tick) >> 11) as f64 / (1u64 << 53) as f64
}

/// A key for one well: distinct wells of one seed, and one well under distinct seeds, differ.
pub fn well_key(seed: u64, index: usize) -> u64 {
    splitmix64(seed ^ splitmix64(index as u64 ^ 0xA076_1D64_78BD_642F))
}

fn mix(key: u64, channel: u32, tick: u64) -> u64 {
    splitmix64(key ^ splitmix64(u64::from(channel) << 40 ^ tick))
}

/// Sebastiano Vigna's SplitMix64 finaliser: a cheap, well-distributed 64-bit hash.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_is_deterministic_centred_and_bounded() {
        let draws: Vec<f64> = (0..20_000).map(|tick| gaussian(42, 7, tick)).collect();
        assert_eq!(gaussian(42, 7, 3), draws[3]);
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.05, "variance {variance}");
        assert!(draws.iter().all(|x| x.abs() <= GAUSSIAN_BOUND));
    }

    #[test]
    fn wells_and_channels_get_independent_streams() {
        assert_ne!(well_key(1, 0), well_key(1, 1));
        assert_ne!(well_key(1, 0), well_key(2, 0));
        assert_ne!(gaussian(5, 1, 9), gaussian(5, 2, 9));
        let u = uniform(3, 4, 5);
        assert!((0.0..1.0).contains(&u));
    }
}
