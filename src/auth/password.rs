//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane). Only the PHC
//! string (algorithm, parameters, salt, hash) is ever stored; a clear password lives only for
//! the length of a request and is never logged.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password accepted for a user.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A password that cannot be used or hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("password too short: at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("password too long: at most 1024 bytes")]
    TooLong,
    #[error("could not hash the password: {0}")]
    Hashing(String),
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if password.len() > 1024 {
        return Err(PasswordError::TooLong);
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // The documented OWASP minimum for argon2id; `Params::new` only fails for values out of range.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (after the policy check) into a PHC string with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_policy(password)?;
    let salt = SaltString::generate(&mut OsRng);
    let hashed = hasher().hash_password(password.as_bytes(), &salt);
    hashed.map(|phc| phc.to_string()).map_err(|error| PasswordError::Hashing(error.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > 1024 {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    hasher().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// A hash to verify against when the user does not exist, so an unknown name costs as much
/// time as a wrong password and timing does not reveal which names exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_never_holds_it() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse battery!", &stored));
        assert!(!verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn salts_differ_so_equal_passwords_hash_apart() {
        assert_ne!(hash("the same password").unwrap(), hash("the same password").unwrap());
    }

    #[test]
    fn the_policy_names_what_is_wrong() {
        assert_eq!(hash("short"), Err(PasswordError::TooShort));
        assert_eq!(check_policy(&"x".repeat(1025)), Err(PasswordError::TooLong));
        assert!(!verify(&"x".repeat(2000), decoy_hash()));
    }
}
