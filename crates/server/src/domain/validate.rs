//! Checks on what users type: emails, names, passwords, subjects.

/// Normalises an email to lower case, or says what is wrong with it.
pub fn email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let Some((local, domain)) = email.split_once('@') else {
        return Err(format!("'{raw}' is not an email address: it has no '@'"));
    };
    let allowed = |c: char| c.is_alphanumeric() || "._%+-'".contains(c);
    if email.len() > 254
        || local.is_empty()
        || domain.is_empty()
        || !local.chars().all(allowed)
        || !domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(format!("'{raw}' is not a valid email address"));
    }
    Ok(email)
}

pub fn display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("the display name must be 1 to 100 printable characters".to_owned());
    }
    Ok(name.to_owned())
}

pub fn device_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err("the device name must be 1 to 64 printable characters".to_owned());
    }
    Ok(name.to_owned())
}

pub fn password(raw: &str) -> Result<(), String> {
    match raw.chars().count() {
        0..8 => Err("the password must have at least 8 characters".to_owned()),
        8..=1024 => Ok(()),
        _ => Err("the password must have at most 1024 characters".to_owned()),
    }
}

/// A free-text field (subject, contact, text message) of at most `max` characters.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, String> {
    if raw.chars().count() > max {
        return Err(format!("{field} must have at most {max} characters"));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(email(" Alice@Example.COM ").unwrap(), "alice@example.com");
        for bad in ["", "alice", "@example.com", "alice@", "a/b@example.com", "a@b/c", "a@.com", "a b@c.d", "a@b?c"] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn names_and_passwords_have_bounds() {
        assert!(display_name("  ").is_err());
        assert!(display_name("Alice\u{7}").is_err());
        assert_eq!(display_name(" Alice ").unwrap(), "Alice");
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert!(text("the subject", &"x".repeat(201), 200).is_err());
    }
}
