//! GitHub-shaped error answers: `{message, documentation_url, status}` plus validation `errors`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};

#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub errors: Option<Value>,
    /// For 301: where the resource went.
    pub location: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: None,
            location: None,
        }
    }

    /// 301: the resource lives at `url` now (a transferred issue).
    pub fn moved(url: String) -> Self {
        Self {
            location: Some(url),
            ..Self::new(StatusCode::MOVED_PERMANENTLY, "Moved Permanently")
        }
    }

    /// 410: the resource was deleted.
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, message)
    }

    pub fn status(code: u16) -> Self {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match status.as_u16() {
            500 => "Server Error",
            other => status.canonical_reason().unwrap_or(if other >= 500 {
                "Server Error"
            } else {
                "Error"
            }),
        };
        Self::new(status, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn bad_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Problems parsing JSON")
    }

    /// 422 "Validation Failed" with one error entry, as GitHub reports a bad field.
    pub fn validation(resource: &str, field: &str, code: &str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Validation Failed".to_string(),
            errors: Some(json!([{ "resource": resource, "code": code, "field": field }])),
            location: None,
        }
    }

    /// 422 for a field over GitHub's length limit.
    pub fn too_long(resource: &str, field: &str, max: usize) -> Self {
        Self {
            errors: Some(json!([{
                "resource": resource,
                "code": "custom",
                "field": field,
                "message": format!("{field} is too long (maximum is {max} characters)"),
            }])),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed")
        }
    }

    /// 422 with a free-text message, GitHub's answer to a semantically wrong request.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "message": self.message,
            "documentation_url": "https://docs.github.com/rest",
            "status": self.status.as_u16().to_string(),
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(errors) = self.errors {
                obj.insert("errors".to_string(), errors);
            }
            if let Some(location) = &self.location {
                obj.insert("url".to_string(), Value::from(location.as_str()));
            }
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(location) = self.location
            && let Ok(value) = http::HeaderValue::from_str(&location)
        {
            response.headers_mut().insert(http::header::LOCATION, value);
        }
        response
    }
}

pub(crate) type ApiResult = Result<Response, ApiError>;
