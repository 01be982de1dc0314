//! The request log tests assert on: what was asked, by whom, and what the fake answered.

use http::Method;
use serde_json::Value;

use super::faults::FaultKind;
use crate::ids::InstallationId;

/// How a request authenticated itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    None,
    /// A valid App JWT.
    AppJwt,
    /// A valid installation token (as `token X`, `Bearer X` or git's basic auth).
    Installation(InstallationId),
    /// Credentials were sent but not accepted (bad JWT, unknown or expired token).
    Rejected,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    /// The served route it matched, in OpenAPI syntax (`/repos/{owner}/{repo}/issues`), or the
    /// git route for wiki traffic; `None` when nothing matched.
    pub route: Option<String>,
    pub status: u16,
    pub auth: AuthKind,
    /// The request body when it was JSON.
    pub body: Option<Value>,
    /// The injected fault that shaped the answer, if any.
    pub fault: Option<FaultKind>,
}

impl RecordedRequest {
    /// Did this request hit `route` (OpenAPI syntax) with `method`?
    pub fn is(&self, method: &str, route: &str) -> bool {
        self.method.as_str() == method && self.route.as_deref() == Some(route)
    }

    /// Did it change something (or try to)?
    pub fn is_mutation(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}
