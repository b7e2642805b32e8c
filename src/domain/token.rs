//! API tokens: `nr_<public id>_<secret>`. The public id finds the row; only a SHA-256 of the
//! secret is stored, and it is compared in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// What a token may do. `content:write` includes preview; `admin` includes everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    ContentPreview,
    ContentWrite,
    /// Publishing, scheduling, unpublishing, and changing or deleting what is out (articles).
    ContentPublish,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::ContentPreview,
        Scope::ContentWrite,
        Scope::ContentPublish,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContentPreview => "content:preview",
            Scope::ContentWrite => "content:write",
            Scope::ContentPublish => "content:publish",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether holding `self` grants `needed`.
    pub fn grants(self, needed: Scope) -> bool {
        match self {
            Scope::Admin => true,
            Scope::ContentPublish => needed != Scope::Admin,
            Scope::ContentWrite => matches!(needed, Scope::ContentPreview | Scope::ContentWrite),
            Scope::ContentPreview => needed == Scope::ContentPreview,
        }
    }
}

/// Scopes as stored: a space-separated list.
pub fn scopes_to_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn scopes_from_string(stored: &str) -> Vec<Scope> {
    stored.split_whitespace().filter_map(Scope::parse).collect()
}

/// A freshly made token: the string shown once, and what is stored.
pub struct NewToken {
    pub token: String,
    pub public_id: String,
    pub secret_hash: String,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    Ok(bytes)
}

/// 256 random bits, base64url: a salt or a signing key.
pub fn random_secret() -> Result<String, String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

pub fn generate() -> Result<NewToken, String> {
    let public_id: String = random_bytes::<8>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    Ok(NewToken {
        token: format!("nr_{public_id}_{secret}"),
        secret_hash: hash_secret(&secret),
        public_id,
    })
}

/// Splits a presented token into (public id, secret); `None` when it is not of our shape.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("nr_")?;
    let (public_id, secret) = rest.split_once('_')?;
    let well_formed = public_id.len() == 16
        && public_id.bytes().all(|b| b.is_ascii_hexdigit())
        && (20..=100).contains(&secret.len());
    well_formed.then_some((public_id, secret))
}

pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares the hash of a presented secret with the stored one without an early exit.
pub fn verify(secret: &str, stored_hash: &str) -> bool {
    let presented = hash_secret(secret);
    let (a, b) = (presented.as_bytes(), stored_hash.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_verify_and_others_do_not() {
        let made = generate().expect("token");
        let (public_id, secret) = split(&made.token).expect("our shape");
        assert_eq!(public_id, made.public_id);
        assert!(verify(secret, &made.secret_hash));
        assert!(!verify("x", &made.secret_hash));
        let other = generate().expect("token");
        assert_ne!(other.token, made.token);
        assert!(split("Bearer abc").is_none());
        assert!(split("nr_zz_secret").is_none());
    }

    #[test]
    fn scopes_nest() {
        assert!(Scope::Admin.grants(Scope::ContentWrite));
        assert!(Scope::ContentWrite.grants(Scope::ContentPreview));
        assert!(!Scope::ContentWrite.grants(Scope::Admin));
        assert!(!Scope::ContentPreview.grants(Scope::ContentWrite));
        assert!(!Scope::ContentWrite.grants(Scope::ContentPublish));
        assert!(Scope::ContentPublish.grants(Scope::ContentWrite));
        assert!(!Scope::ContentPublish.grants(Scope::Admin));
        assert!(Scope::Admin.grants(Scope::ContentPublish));
        let stored = scopes_to_string(&[Scope::ContentPreview, Scope::Admin]);
        assert_eq!(
            scopes_from_string(&stored),
            [Scope::ContentPreview, Scope::Admin]
        );
    }
}
