//! What the server accepts in the fields people type, stated once: the server checks
//! exactly these, and the OpenAPI document states them (with the `openapi` feature).
//!
//! Patterns are written in the subset that Rust's `regex`, ECMA-262 (JSON Schema) and
//! Python read alike: `\uXXXX` escapes and explicit classes, no `\s` or `\p{..}`.

/// A string field's bounds: lengths in characters (code points), and a pattern it must
/// match (unanchored, as in JSON Schema; the patterns here anchor themselves).
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    /// How the field is named in error messages.
    pub what: &'static str,
    pub min: usize,
    pub max: usize,
    pub pattern: Option<&'static str>,
    /// What the pattern means, in words, for error messages and the document.
    pub meaning: &'static str,
}

/// Control characters, and those that change how text reads without being seen:
/// bidirectional marks, overrides and isolates, zero-width characters.
macro_rules! unseen {
    () => {
        r"\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF"
    };
}

/// White space, spelled out (Unicode's White_Space property).
macro_rules! space {
    () => {
        r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// A name shown to others: starts and ends with a visible character, none unseen.
macro_rules! name_pattern {
    () => {
        concat!("^[^", unseen!(), space!(), "](?:[^", unseen!(), "]*[^", unseen!(), space!(), "])?$")
    };
}

pub const DISPLAY_NAME: TextRule = TextRule {
    what: "the display name",
    min: 1,
    max: 100,
    pattern: Some(name_pattern!()),
    meaning: "no space at either end, no control characters, direction overrides or zero-width characters",
};

pub const DEVICE_NAME: TextRule = TextRule { what: "the device name", max: 64, ..DISPLAY_NAME };

pub const PASSWORD: TextRule = TextRule { what: "the password", min: 8, max: 1024, pattern: None, meaning: "" };

/// A label of a domain name in its ASCII form (IDNA labels are `xn--...`).
macro_rules! label {
    () => {
        "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    };
}

pub const EMAIL: TextRule = TextRule {
    what: "the email",
    min: 3,
    max: 254,
    pattern: Some(concat!("^[A-Za-z0-9_%+'-]+(?:\\.[A-Za-z0-9_%+'-]+)*@(?:", label!(), "\\.)+", label!(), "$")),
    meaning: "an ASCII local part (letters, digits, . _ % + - ') and a domain name in its ASCII form (an internationalised name as its xn-- labels, which may not mix scripts)",
};

pub const CONTACT: TextRule = TextRule { what: "the contact", min: 0, max: 2048, pattern: None, meaning: "" };

pub const SUBJECT: TextRule = TextRule { what: "the subject", min: 0, max: 200, pattern: None, meaning: "" };

pub const SESSION: TextRule = TextRule { what: "the session", min: 0, max: 32 * 1024, pattern: None, meaning: "" };

pub const TEXT_MESSAGE: TextRule =
    TextRule { what: "a text message", min: 1, max: 4000, pattern: Some(concat!("[^", space!(), "]")), meaning: "not only white space" };

/// What `GET /user?search=` looks for in names and emails.
pub const SEARCH: TextRule = TextRule { what: "the search", min: 1, max: 100, pattern: Some(concat!("[^", space!(), "]")), meaning: "not only white space" };

#[cfg(feature = "openapi")]
mod schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    use utoipa::openapi::{Object, RefOr, Schema};

    use super::*;

    impl TextRule {
        fn schema(&self, nullable: bool) -> Object {
            let kind = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::Type(Type::String) };
            let description = (!self.meaning.is_empty()).then(|| self.meaning.to_owned());
            ObjectBuilder::new()
                .schema_type(kind)
                .min_length((self.min > 0).then_some(self.min))
                .max_length(Some(self.max))
                .pattern(self.pattern)
                .description(description)
                .build()
        }
    }

    /// One schema function per rule and nullability, for `#[schema(schema_with = ...)]`.
    macro_rules! schemas {
        ($($rule:ident: $required:ident, $optional:ident;)*) => {$(
            pub fn $required() -> impl Into<RefOr<Schema>> {
                $rule.schema(false)
            }
            pub fn $optional() -> impl Into<RefOr<Schema>> {
                $rule.schema(true)
            }
        )*};
    }

    schemas! {
        DISPLAY_NAME: display_name, optional_display_name;
        DEVICE_NAME: device_name, optional_device_name;
        PASSWORD: password, optional_password;
        EMAIL: email, optional_email;
        CONTACT: contact, optional_contact;
        SUBJECT: subject, optional_subject;
        SESSION: session, optional_session;
        TEXT_MESSAGE: text_message, optional_text_message;
        SEARCH: search, optional_search;
    }
}

#[cfg(feature = "openapi")]
pub use schema::*;
