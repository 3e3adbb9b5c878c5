//! Extractors whose rejections are `ApiError`s, so bad input gets the same
//! problem body as every other error.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; any rejection is a clear 4xx.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => ApiError::Unprocessable(format!("the JSON body does not fit: {}", e.body_text())),
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!("the body is not valid JSON: {}", e.body_text())),
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".to_owned()),
        JsonRejection::BytesRejection(e) => body_rejection(e),
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// A raw body, within the route's body limit.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(request, state).await.map(Self).map_err(body_rejection)
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the body is larger than this server accepts".to_owned())
    } else {
        ApiError::BadRequest(format!("the body could not be read: {}", rejection.body_text()))
    }
}

/// Query parameters; a malformed query is a 400.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|e: QueryRejection| ApiError::BadRequest(format!("the query string does not fit: {}", e.body_text())))
    }
}

/// Path parameters; a segment that cannot be decoded is a 400.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|e: PathRejection| ApiError::BadRequest(format!("the path does not fit: {}", e.body_text())))
    }
}
