//! The Worker's errors and the responses they become. A guard's failure is not an error
//! here: it is part of the evaluation (its failure_mode decision).

use guardhouse_core::api::ApiError;
use worker::Response;

/// Why a request could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is wrong (malformed case, wrong shape): 400.
    #[error("{0}")]
    BadRequest(String),
    /// No such route: 404.
    #[error("{}", ApiError::not_found(method, path).error)]
    NotFound { method: String, path: String },
    /// The route exists with another method: 405.
    #[error("{}", ApiError::method_not_allowed(path, allowed).error)]
    MethodNotAllowed { path: String, allowed: &'static str },
    /// The body is over the API's limit: 413.
    #[error("{}", ApiError::body_too_large().error)]
    TooLarge,
    /// `/mcp` without an upstream: 404.
    #[error("MCP proxy mode is off (hint: set the UPSTREAM var to the MCP server's URL)")]
    ProxyOff,
    /// The configured gateway failed to load (bad registry, guard rejected at load): 500.
    #[error("gateway failed to load: {0}")]
    Load(String),
    /// Refused by the access checks (cross-site, missing token): its own status.
    #[error("{}", .0.message)]
    Refused(guardhouse_core::access::Refusal),
    /// Refused by core with a status of its own (`/v1/eval`'s unknown guard: 404).
    #[error("{}", .0.error.error)]
    Api(guardhouse_core::api::Refused),
    /// The Workers runtime failed us (reading the body, building a response): 500.
    #[error("worker runtime: {0}")]
    Runtime(String),
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError::BadRequest(e.error)
    }
}

impl From<guardhouse_core::api::Refused> for AppError {
    fn from(r: guardhouse_core::api::Refused) -> Self {
        AppError::Api(r)
    }
}

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> Self {
        AppError::Runtime(e.to_string())
    }
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::NotFound { .. } | AppError::ProxyOff => 404,
            AppError::MethodNotAllowed { .. } => 405,
            AppError::TooLarge => 413,
            AppError::Refused(r) => r.status,
            AppError::Api(r) => r.status,
            AppError::Load(_) | AppError::Runtime(_) => 500,
        }
    }

    /// The error as the API's `{"error": ...}` body, with its status.
    pub fn into_response(self) -> worker::Result<Response> {
        let status = self.status();
        let response = Response::from_json(&ApiError::new(&self))?.with_status(status);
        if let AppError::Refused(refusal) = &self
            && let Some(challenge) = refusal.challenge()
        {
            response.headers().set("www-authenticate", challenge)?;
        }
        if let AppError::MethodNotAllowed { allowed, .. } = &self {
            response.headers().set("allow", allowed)?;
        }
        Ok(response)
    }
}
