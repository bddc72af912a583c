//! Application passwords as WordPress makes them: 24 random letters and digits, shown once in
//! groups of four, stored only as an argon2 hash.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use password_hash::rand_core::{OsRng, RngCore};

pub const LENGTH: usize = 24;
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A freshly generated password. `Display` gives the grouped form users are shown;
/// `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AppPassword(String);

impl AppPassword {
    pub fn generate() -> AppPassword {
        let mut out = String::with_capacity(LENGTH);
        while out.len() < LENGTH {
            // Rejection sampling keeps every character equally likely.
            let byte = (OsRng.next_u32() & 0xFF) as usize;
            if byte < 4 * ALPHABET.len() {
                out.push(ALPHABET[byte % ALPHABET.len()] as char);
            }
        }
        AppPassword(out)
    }

    /// The 24 characters without spaces.
    pub fn secret(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash(&self.0)
    }
}

impl fmt::Display for AppPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, chunk) in self.0.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(std::str::from_utf8(chunk).expect("ASCII"))?;
        }
        Ok(())
    }
}

impl fmt::Debug for AppPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppPassword(…)")
    }
}

/// The password a client sent, without the spaces that group it, if it has the shape of an
/// application password at all; anything else can be refused without hashing.
pub fn normalize(sent: &str) -> Option<String> {
    let secret: String = sent.chars().filter(|c| *c != ' ').collect();
    (secret.len() == LENGTH && secret.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(secret)
}

/// An argon2id PHC string with a random salt and the crate's default (OWASP) parameters.
pub fn hash(secret: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Whether `secret` matches `phc` (compared in constant time by argon2). A malformed stored
/// hash matches nothing.
pub fn verify(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_24_letters_and_digits_shown_in_groups_of_four() {
        let password = AppPassword::generate();
        assert_eq!(password.secret().len(), 24);
        assert!(password.secret().bytes().all(|b| b.is_ascii_alphanumeric()));
        let shown = password.to_string();
        assert_eq!(shown.len(), 29);
        assert!(shown.split(' ').all(|group| group.len() == 4));
        assert_ne!(AppPassword::generate(), password);
        assert!(!format!("{password:?}").contains(password.secret()));
    }

    #[test]
    fn spaces_are_optional_and_other_shapes_are_refused() {
        let password = AppPassword::generate();
        assert_eq!(
            normalize(&password.to_string()).as_deref(),
            Some(password.secret())
        );
        assert_eq!(
            normalize(password.secret()).as_deref(),
            Some(password.secret())
        );
        assert_eq!(normalize("short"), None);
        assert_eq!(normalize(&format!("{}!", &password.secret()[1..])), None);
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let password = AppPassword::generate();
        let phc = password.hash();
        assert!(phc.starts_with("$argon2id$"));
        assert!(!phc.contains(password.secret()));
        assert!(verify(password.secret(), &phc));
        assert!(!verify(AppPassword::generate().secret(), &phc));
        assert!(!verify(password.secret(), "not a hash"));
    }
}
