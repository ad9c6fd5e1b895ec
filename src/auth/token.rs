//! Bearer tokens: HS256 JWTs signed with a secret that only the environment holds. A token
//! names its user and role and expires (30 minutes by default); there is no refresh token, a
//! client logs in again. Only HS256 is accepted: a token claiming any other algorithm, `none`
//! included, is refused before its signature is looked at.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::role::Role;

/// The shortest secret accepted: 256 bits, as HS256 wants.
pub const MIN_SECRET_BYTES: usize = 32;

/// What a token says, signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's name.
    pub sub: String,
    pub role: Role,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

/// Why a token was refused. The client sees only "invalid or expired token"; the log and the
/// audit keep which of these it was.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("token signed with {0}, only HS256 is accepted")]
    WrongAlgorithm(String),
    #[error("token signature does not match")]
    BadSignature,
    #[error("token malformed: {0}")]
    Malformed(String),
}

/// The secret is too short to sign with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the token secret must be at least {MIN_SECRET_BYTES} bytes, it has {0}")]
pub struct WeakSecret(pub usize);

/// Issues and checks tokens with one secret.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

impl Tokens {
    pub fn new(secret: &[u8], lifetime: Duration) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(WeakSecret(secret.len()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the caller's clock in `verify`, so tests can move time.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub"].into_iter().map(String::from).collect();
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime,
        })
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for `user` with `role`, valid from `now` for the lifetime; and when it expires.
    pub fn issue(&self, user: &str, role: Role, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
        let expires = now + chrono::TimeDelta::from_std(self.lifetime).unwrap_or(chrono::TimeDelta::minutes(30));
        let claims = Claims { sub: user.to_owned(), role, iat: now.timestamp(), exp: expires.timestamp() };
        // Encoding HS256 claims of plain strings and numbers cannot fail.
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default();
        (token, expires)
    }

    /// The claims of a token that is well formed, HS256, correctly signed and not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| malformed_or_algorithm(token, &e))?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::WrongAlgorithm(format!("{:?}", header.alg)));
        }
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|error| {
                match error.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
                    jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm("other".into()),
                    _ => TokenError::Malformed(error.to_string()),
                }
            })?;
        if data.claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(data.claims)
    }
}

/// A header the library cannot read may still name an algorithm it does not know (`none`).
fn malformed_or_algorithm(token: &str, error: &jsonwebtoken::errors::Error) -> TokenError {
    match unverified_algorithm(token) {
        Some(alg) if alg != "HS256" => TokenError::WrongAlgorithm(alg),
        _ => TokenError::Malformed(error.to_string()),
    }
}

fn unverified_algorithm(token: &str) -> Option<String> {
    use base64::Engine as _;
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json.get("alg")?.as_str().map(str::to_owned)
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
