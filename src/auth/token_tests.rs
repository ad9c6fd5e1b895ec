use base64::Engine as _;
use chrono::TimeZone;

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn tokens() -> Tokens {
    Tokens::new(SECRET, Duration::from_secs(30 * 60)).unwrap()
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn a_token_carries_user_and_role_until_it_expires() {
    let (token, expires) = tokens().issue("alice", Role::Operator, noon());
    assert_eq!(expires, noon() + chrono::TimeDelta::minutes(30));
    let claims = tokens().verify(&token, noon() + chrono::TimeDelta::minutes(29)).unwrap();
    assert_eq!((claims.sub.as_str(), claims.role), ("alice", Role::Operator));
    assert_eq!(tokens().verify(&token, expires), Err(TokenError::Expired));
}

#[test]
fn a_tampered_token_is_refused() {
    let (token, _) = tokens().issue("alice", Role::Viewer, noon());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let claims = format!(r#"{{"sub":"alice","role":"admin","iat":{},"exp":{}}}"#, noon().timestamp(), 4_000_000_000i64);
    parts[1] = b64(claims.as_bytes());
    assert_eq!(tokens().verify(&parts.join("."), noon()), Err(TokenError::BadSignature));
}

#[test]
fn another_secret_is_a_bad_signature() {
    let other = Tokens::new(b"another secret of at least 32 bytes!", Duration::from_secs(60)).unwrap();
    let (token, _) = other.issue("alice", Role::Admin, noon());
    assert_eq!(tokens().verify(&token, noon()), Err(TokenError::BadSignature));
}

#[test]
fn none_and_other_algorithms_are_refused() {
    let claims = format!(r#"{{"sub":"mallory","role":"admin","iat":0,"exp":{}}}"#, 4_000_000_000i64);
    let unsigned = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), b64(claims.as_bytes()));
    assert_eq!(tokens().verify(&unsigned, noon()), Err(TokenError::WrongAlgorithm("none".into())));
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &Claims { sub: "mallory".into(), role: Role::Admin, iat: 0, exp: 4_000_000_000 },
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert_eq!(tokens().verify(&hs512, noon()), Err(TokenError::WrongAlgorithm("HS512".into())));
}

#[test]
fn garbage_is_malformed_and_short_secrets_are_refused() {
    for garbage in ["", "abc", "a.b.c", "..", "\u{1F6E2}.x.y"] {
        assert!(matches!(tokens().verify(garbage, noon()), Err(TokenError::Malformed(_))), "{garbage:?}");
    }
    assert_eq!(Tokens::new(b"short", Duration::from_secs(1)).err(), Some(WeakSecret(5)));
}
