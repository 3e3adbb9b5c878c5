//! URL paths of the resources, built in one place. Emails and ids appear verbatim:
//! the server only issues ids made of URL-safe characters, and emails are validated
//! to contain no `/`, `?` or `#`.

pub fn user(email: &str) -> String {
    format!("/user/{email}")
}

pub fn messages(email: &str) -> String {
    format!("/user/{email}/message")
}

pub fn message(email: &str, id: &str) -> String {
    format!("/user/{email}/message/{id}")
}

pub fn greeting(email: &str) -> String {
    format!("/user/{email}/greeting")
}

pub fn message_audio(email: &str, id: &str) -> String {
    format!("/user/{email}/message/{id}/audio")
}

pub fn logins(email: &str) -> String {
    format!("/login/{email}")
}

pub fn login(email: &str, device_id: &str) -> String {
    format!("/login/{email}/{device_id}")
}

pub fn call(call_id: &str) -> String {
    format!("/call/{call_id}")
}

pub fn participant(call_id: &str, participant_id: &str) -> String {
    format!("/call/{call_id}/{participant_id}")
}

/// Splits `/login/{email}/{id}` into its email and device id.
pub fn parse_login(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("/login/")?;
    let (email, id) = rest.split_once('/')?;
    (!email.is_empty() && !id.is_empty() && !id.contains('/')).then_some((email, id))
}

/// The call id of `/call/{id}`.
pub fn parse_call(url: &str) -> Option<&str> {
    let id = url.strip_prefix("/call/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_urls_round_trip() {
        let url = login("alice@example.com", "d1");
        assert_eq!(parse_login(&url), Some(("alice@example.com", "d1")));
        assert_eq!(parse_login("/login/alice@example.com"), None);
        assert_eq!(parse_login("/login/a/b/c"), None);
        assert_eq!(parse_login("/user/a/b"), None);
    }

    #[test]
    fn call_urls_round_trip() {
        assert_eq!(parse_call(&call("c1")), Some("c1"));
        assert_eq!(parse_call("/call/"), None);
        assert_eq!(parse_call("/call/c1/p1"), None);
    }
}
