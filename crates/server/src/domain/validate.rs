//! Checks on what users type: emails, names, passwords, texts. The rules themselves
//! (lengths and patterns) are `restphone_api::rules`, which the OpenAPI document states.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;
use restphone_api::rules::{self, TextRule};
use unicode_security::MixedScript;

/// Checks `raw` against `rule`: its length in characters, then its pattern.
pub fn text(rule: &TextRule, raw: &str) -> Result<String, String> {
    let length = raw.chars().count();
    if length < rule.min || length > rule.max {
        return Err(match rule.min {
            0 => format!("{} must have at most {} characters", rule.what, rule.max),
            min => format!("{} must have {min} to {} characters", rule.what, rule.max),
        });
    }
    if let Some(pattern) = rule.pattern
        && !compiled(pattern).is_match(raw)
    {
        return Err(format!("{} is not accepted: {}", rule.what, rule.meaning));
    }
    Ok(raw.to_owned())
}

/// Each rule's pattern, compiled once and shared: a cloned `Regex` starts with a cold
/// match cache, which cost a fifth of a millisecond per request. The rules are a few
/// constants, so leaking one `Regex` each is bounded.
fn compiled(pattern: &'static str) -> &'static Regex {
    static COMPILED: LazyLock<Mutex<HashMap<&'static str, &'static Regex>>> = LazyLock::new(Default::default);
    let mut compiled = COMPILED.lock().expect("pattern cache");
    compiled.entry(pattern).or_insert_with(|| Box::leak(Box::new(Regex::new(pattern).expect("the rules' patterns compile"))))
}

/// Normalises an email to lower case, or says what is wrong with it. Beyond the
/// pattern, an IDNA label (`xn--...`) must decode, and not to a look-alike that mixes
/// scripts (`exаmple` with a Cyrillic `а`).
pub fn email(raw: &str) -> Result<String, String> {
    let email = text(&rules::EMAIL, raw).map_err(|_| format!("'{raw}' is not a valid email address: {}", rules::EMAIL.meaning))?.to_lowercase();
    let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
    for label in domain.split('.').filter(|label| label.starts_with("xn--")) {
        let (unicode, decoded) = idna::domain_to_unicode(label);
        if decoded.is_err() {
            return Err(format!("'{raw}' is not a valid email address: '{label}' is not a valid internationalised name"));
        }
        if !unicode.is_single_script() {
            return Err(format!("'{raw}' is not accepted: the domain part '{unicode}' mixes scripts, as look-alikes of other names do"));
        }
    }
    Ok(email)
}

pub fn display_name(raw: &str) -> Result<String, String> {
    text(&rules::DISPLAY_NAME, raw)
}

pub fn device_name(raw: &str) -> Result<String, String> {
    text(&rules::DEVICE_NAME, raw)
}

pub fn password(raw: &str) -> Result<(), String> {
    text(&rules::PASSWORD, raw).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(email("Alice@Example.COM").unwrap(), "alice@example.com");
        assert_eq!(email("jo@xn--bcher-kva.example").unwrap(), "jo@xn--bcher-kva.example");
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "a/b@example.com",
            "a@b/c",
            "a@.com",
            "a b@c.d",
            "a@b?c",
            "jöe@example.com",
            "a..b@example.com",
            " alice@example.com",
            "alice@example.com\n",
            "jo@bücher.example",
            "a@localhost",
        ] {
            assert!(email(bad).is_err(), "{bad:?} accepted");
        }
        // "example" with a Cyrillic а, as IDNA spells it.
        assert!(email("alice@xn--exmple-4nf.com").unwrap_err().contains("mixes scripts"));
    }

    #[test]
    fn names_refuse_direction_overrides_and_zero_width_characters() {
        assert_eq!(display_name("Zoë 李").unwrap(), "Zoë 李");
        for bad in ["evil\u{202E}gpj.exe", "Al\u{200B}ice", "\u{2066}Bob\u{2069}", "Ca\u{FEFF}rol"] {
            assert!(display_name(bad).is_err(), "{bad:?} accepted");
            assert!(device_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_and_passwords_have_bounds() {
        assert!(display_name("  ").is_err());
        assert!(display_name("Alice\u{7}").is_err());
        assert!(display_name(" Alice").is_err());
        assert!(display_name("Alice\n").is_err());
        assert_eq!(display_name("Alice Liddell").unwrap(), "Alice Liddell");
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert!(text(&rules::SUBJECT, &"x".repeat(201)).is_err());
        assert!(text(&rules::TEXT_MESSAGE, " \n\t").is_err());
        assert!(text(&rules::TEXT_MESSAGE, " hi ").is_ok());
    }
}
