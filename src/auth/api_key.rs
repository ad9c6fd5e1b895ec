//! Long-lived API keys for service accounts. A key reads `wvk_<id>_<secret>`: the id finds the
//! key, the secret proves it. Only a SHA-256 of the secret is stored (a random 256-bit secret
//! needs no slow hash); the key itself is shown once, when it is made.

use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

const PREFIX: &str = "wvk_";
const ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 32;

/// A key just made: what to hand to its owner once, and what to store.
#[derive(Debug)]
pub struct NewKey {
    /// The whole key, `wvk_<id>_<secret>`. Shown once, never stored.
    pub key: String,
    pub id: String,
    /// Hex SHA-256 of the secret part.
    pub secret_hash: String,
}

/// Makes a key with a random id and secret.
pub fn generate() -> NewKey {
    // StdRng is a CSPRNG (ChaCha12), seeded from the operating system.
    let mut rng = StdRng::from_os_rng();
    let mut id = [0u8; ID_BYTES];
    let mut secret = [0u8; SECRET_BYTES];
    rng.fill_bytes(&mut id);
    rng.fill_bytes(&mut secret);
    let id = hex(&id);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    NewKey { key: format!("{PREFIX}{id}_{secret}"), secret_hash: hash_secret(&secret), id }
}

/// Whether a presented credential has the shape of an API key rather than a token.
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(PREFIX)
}

/// A presented key split into its id and secret; `None` when it has not the key's shape.
pub fn split(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed = id.len() == ID_BYTES * 2 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !secret.is_empty();
    well_formed.then_some((id, secret))
}

pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Compares a presented secret with a stored hash in time independent of where they differ.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    let presented = hash_secret(secret);
    presented.len() == stored_hash.len()
        && presented.bytes().zip(stored_hash.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_splits_into_its_id_and_a_secret_that_matches_its_hash() {
        let made = generate();
        let (id, secret) = split(&made.key).unwrap();
        assert_eq!(id, made.id);
        assert!(secret_matches(secret, &made.secret_hash));
        assert!(!made.secret_hash.contains(secret), "the stored hash must not hold the secret");
        assert!(!secret_matches("guess", &made.secret_hash));
    }

    #[test]
    fn keys_are_unique_and_malformed_ones_do_not_split() {
        assert_ne!(generate().key, generate().key);
        for bad in ["", "wvk_", "wvk_zz_secret", "wvk_0123456789ab_", "token.like.this", "wvk_0123456789ab"] {
            assert_eq!(split(bad), None, "{bad:?}");
        }
        assert!(looks_like_key("wvk_anything") && !looks_like_key("eyJhbGciOi"));
    }
}
