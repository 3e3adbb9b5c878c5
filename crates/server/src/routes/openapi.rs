//! `GET /openapi.json`: the OpenAPI document of this server, generated from the
//! handlers' `#[utoipa::path]` attributes and the wire types of `restphone_api`.
//! Built once, on first request.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use restphone_api::{Created, account, call, event, history, login, message};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

/// The error body of every failed request, for the handlers' `#[utoipa::path]`.
pub use restphone_api::problem::Problem;

const DESCRIPTION: &str = "The REST interface of a SIP-style application server: accounts, device \
registrations, calls, invitations and voice messages.

Authenticate with HTTP Basic (email and password) or with a bearer token from `POST /session`. \
Every error is an RFC 9457 `application/problem+json` body (`Problem`).

Devices hear about changes on their push channel, `GET /events`: Server-Sent Events whose `event:` \
is an `EventKind` and whose data is the JSON schema that kind names (`Call`, `Command`, the \
invitation object, `MessageNotice`, `Presence`, `Reset`). `GET /call/{id}` and `GET /login/{email}` \
also answer `Accept: text/event-stream` as active resources: their state now, then every change.

`SEND /login/{email}` (a custom method OpenAPI cannot describe) is the same as \
`POST /invite/{email}`.";

#[derive(OpenApi)]
#[openapi(
    info(title = "restphone", version = env!("CARGO_PKG_VERSION"), description = DESCRIPTION),
    paths(
        super::healthz,
        document,
        super::accounts::sign_up,
        super::accounts::profile,
        super::search::users,
        super::accounts::change_profile,
        super::accounts::delete_account,
        super::accounts::sign_in,
        super::accounts::sign_out,
        super::logins::online,
        super::logins::list,
        super::logins::register,
        super::logins::refresh,
        super::logins::unregister,
        super::events::push_channel,
        super::calls::list,
        super::history::seen,
        super::calls::create,
        super::calls::get,
        super::calls::take,
        super::calls::end,
        super::calls::report,
        super::calls::push,
        super::calls::answer_on,
        super::calls::leave,
        super::invites::invite,
        super::messages::list,
        super::messages::leave,
        super::messages::get,
        super::messages::change,
        super::messages::delete,
        super::messages::audio,
        super::greetings::get,
        super::greetings::set,
        super::greetings::delete,
    ),
    components(
        schemas(
            Problem,
            Created,
            account::SignUp,
            account::Profile,
            account::ProfileChange,
            account::AccountDeletion,
            account::Credentials,
            account::Session,
            login::Register,
            login::DeviceInfo,
            login::Registered,
            login::Refresh,
            login::Device,
            login::Presence,
            login::OnlineUser,
            call::NewCall,
            call::CallState,
            call::EndReason,
            call::Ending,
            call::Role,
            call::ParticipantState,
            call::Participant,
            call::Call,
            call::Take,
            call::CallEvent,
            call::Report,
            call::Target,
            event::EventKind,
            event::CommandKind,
            event::Command,
            event::Reset,
            event::MessageNotice,
            message::MessageKind,
            message::TextMessage,
            message::Message,
            message::MessageChange,
            history::HistoryFilter,
            history::Direction,
            history::Peer,
            history::HistoryEntry,
            history::HistoryPage,
            history::HistorySeen,
            history::HistoryNotice,
            history::CallList,
        ),
        responses(BadRequest, Unauthorized, CrossSite, MisdirectedRequest, PayloadTooLarge, UnsupportedMediaType, TooManyRequests, Internal),
    ),
    modifiers(&SecuritySchemes, &CommonResponses, &AudioBodies),
    tags(
        (name = "server", description = "Health and this document"),
        (name = "accounts", description = "`/user` and `/session`: accounts and bearer tokens"),
        (name = "logins", description = "`/login`: device registrations and presence"),
        (name = "events", description = "`/events`: a device's push channel"),
        (name = "calls", description = "`/call`: calls and their participants"),
        (name = "invites", description = "`/invite`: pass an invitation on to a user's devices"),
        (name = "messages", description = "`/user/{email}/message`: voice and text messages"),
    )
)]
pub struct ApiDoc;

/// The `basic` and `bearer` schemes the operations' `security` name.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let basic = HttpBuilder::new().scheme(HttpAuthScheme::Basic).description(Some("The account's email and password"));
        components.add_security_scheme("basic", SecurityScheme::Http(basic.build()));
        let bearer = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("A token from `POST /session`"));
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer.build()));
    }
}

/// The responses every operation can give, added here rather than repeated on each
/// handler: 403 (another web site), 421 (a host name this server does not answer
/// to) and 500 everywhere; 401 and 429 wherever credentials are asked for.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr};
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let signed_in = operation.security.as_ref().is_some_and(|security| !security.is_empty());
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, name: &str| {
                    responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                };
                add("403", "CrossSite");
                add("421", "MisdirectedRequest");
                add("500", "Internal");
                if signed_in {
                    add("401", "Unauthorized");
                    add("429", "TooManyRequests");
                }
            }
        }
    }
}

/// Audio uploads (voice messages, greetings) are the file itself: a required body of
/// bytes, which `request_body(content(("audio/ogg")))` leaves untyped and optional.
struct AudioBodies;

impl Modify for AudioBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        use utoipa::openapi::{Required, Schema};
        let bytes = || Schema::Object(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))).build());
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.put, &mut item.post].into_iter().flatten() {
                let Some(body) = operation.request_body.as_mut() else { continue };
                let mut audio = false;
                for (media_type, content) in body.content.iter_mut() {
                    if media_type.starts_with("audio/") {
                        content.schema = Some(bytes().into());
                        audio = true;
                    }
                }
                if audio {
                    body.required = Some(Required::True);
                }
            }
        }
    }
}

/// The body is not valid JSON, or the query string or a header is malformed.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct BadRequest(Problem);

/// No credentials, wrong ones, or an unknown or revoked bearer token.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Basic realm=\"restphone\", Bearer`")))]
#[allow(dead_code)]
pub struct Unauthorized(Problem);

/// A browser sent the request from another web site (`Origin`, `Sec-Fetch-Site`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct CrossSite(Problem);

/// The `Host` names a server this one is not: only loopback names and the operator's
/// `--public-host` names are answered.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct MisdirectedRequest(Problem);

/// An invitation to pass on: `command` and `url`, and anything else as it is.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Invitation {
    command: InviteCommand,
    /// What the invitation is about, e.g. `/call/{id}`.
    url: String,
}

/// What an invitation asks (`restphone_api::event::INVITE_COMMANDS`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum InviteCommand {
    Invite,
    Cancel,
    Reject,
    Accept,
}

/// The body is larger than this server accepts.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct PayloadTooLarge(Problem);

/// The body is not sent as `Content-Type: application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct UnsupportedMediaType(Problem);

/// A limit was reached: failed sign-ins from this address, a rate (calls, messages,
/// invitations), open streams, or the server's password checks are all busy.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds until the next try")))]
#[allow(dead_code)]
pub struct TooManyRequests(Problem);

/// The server could not complete the request; the details are in its log.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Internal(Problem);

static DOCUMENT: LazyLock<String> = LazyLock::new(|| ApiDoc::openapi().to_json().expect("the OpenAPI document serialises"));

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "server",
    operation_id = "openapi",
    summary = "This OpenAPI document",
    responses((status = 200, description = "The OpenAPI document of this server", body = serde_json::Value)),
)]
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    const METHODS: [&str; 8] = ["get", "post", "put", "patch", "delete", "head", "options", "trace"];

    /// Every (method, path) that `routes/mod.rs` routes, read from its source so that a
    /// new route cannot be left out of the document. Method fallbacks (`SEND`) are not
    /// OpenAPI methods and are skipped.
    fn routed() -> BTreeSet<(String, String)> {
        let source = include_str!("mod.rs");
        let mut routes = BTreeSet::new();
        for (start, _) in source.match_indices(".route(\"") {
            let args = &source[start + ".route(".len()..];
            let mut depth = 1;
            let end = args
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("a .route( call closes");
            let args = &args[..end];
            let path = args[1..].split('"').next().expect("the path is a string literal");
            let mut methods = 0;
            for method in METHODS {
                let call = format!("{method}(");
                for (at, _) in args.match_indices(&call) {
                    if !args[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        routes.insert((method.to_owned(), path.to_owned()));
                        methods += 1;
                    }
                }
            }
            assert!(methods > 0, "found no method for the route {path} in routes/mod.rs: {args}");
        }
        assert!(routes.len() > 20, "routes/mod.rs yielded only {routes:?}: has the router changed shape?");
        routes
    }

    fn document() -> Value {
        serde_json::from_str(&DOCUMENT).expect("the document is valid JSON")
    }

    fn operations(doc: &Value) -> impl Iterator<Item = (String, String, &Value)> {
        doc["paths"].as_object().expect("paths is an object").iter().flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item is an object")
                .iter()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .map(move |(method, operation)| (method.clone(), path.clone(), operation))
        })
    }

    #[test]
    fn is_openapi_3() {
        let doc = document();
        let version = doc["openapi"].as_str().expect("openapi is a string");
        assert!(version.starts_with("3."), "openapi is {version}");
        assert_eq!(doc["info"]["title"], "restphone");
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["basic"]["scheme"], "basic");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
    }

    #[test]
    fn documents_every_route_and_nothing_else() {
        let doc = document();
        let documented: BTreeSet<(String, String)> = operations(&doc).map(|(method, path, _)| (method, path)).collect();
        let routed = routed();
        let missing: Vec<_> = routed.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&routed).collect();
        assert!(missing.is_empty(), "routed but not in the OpenAPI document: {missing:?}");
        assert!(extra.is_empty(), "in the OpenAPI document but not routed: {extra:?}");
    }

    #[test]
    fn operations_are_well_formed() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (method, path, operation) in operations(&doc) {
            let id = operation["operationId"].as_str().expect("an operationId");
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path} has no summary");
            let responses = operation["responses"].as_object().expect("responses");
            assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            let signed_in = operation["security"].as_array().is_some_and(|security| !security.is_empty());
            if signed_in {
                assert!(responses.contains_key("401") && responses.contains_key("429"), "{method} {path}: 401 and 429 go with credentials");
            }
            for (status, response) in responses {
                let response = match response["$ref"].as_str() {
                    Some(name) => &doc["components"]["responses"][name.trim_start_matches("#/components/responses/")],
                    None => response,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status} is not a problem body");
                }
            }
        }
        let send = operations(&doc).find(|(method, path, _)| method == "post" && path == "/invite/{email}").expect("POST /invite/{email}").2;
        assert!(send["description"].as_str().is_some_and(|d| d.contains("SEND /login/{email}")), "POST /invite/{{email}} must mention SEND");
    }

    #[test]
    fn every_reference_resolves() {
        fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        found.push(target);
                    }
                    map.values().for_each(|v| refs(v, found));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
                _ => {}
            }
        }
        let doc = document();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        for target in found {
            let pointer = target.strip_prefix('#').expect("a local reference");
            assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
        }
    }

    #[tokio::test]
    async fn serves_the_document_as_json() {
        let response = super::document().await.into_response();
        assert_eq!(response.status(), axum::http::StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
