//! `guardhouse serve --static DIR`: the web page's files at `/`, next to the API.
//!
//! A deliberately small file server: GET/HEAD only, no directory listings, paths that
//! try to leave DIR (`..`, absolute or backslashed segments, or a symlink pointing out of
//! it) are refused, and `/` (or a directory) serves its `index.html`. Every file carries
//! `nosniff`, a Content-Security-Policy ([`CSP`]) and `frame-ancestors 'none'`, so a
//! shared link cannot be framed (clickjacking a "Run") or load scripts from elsewhere.

use std::path::{Component, Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The page's Content-Security-Policy: its own scripts, wasm compilation, and the
/// guards' transpiled glue (imported from `blob:` URLs in the worker); nothing from
/// other origins, no plugins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; \
worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
connect-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

/// Adds the files of `dir` as the fallback of `app` (API routes keep precedence).
pub fn with_static(app: Router, dir: PathBuf) -> Router {
    // Symlinks are checked against the real root.
    let dir = dir.canonicalize().unwrap_or(dir);
    let files = Router::new()
        .fallback(serve_file)
        .with_state(std::sync::Arc::new(dir));
    app.fallback_service(files)
}

/// The content type of a file, by extension (what browsers need to run the page:
/// module scripts must be JavaScript, `WebAssembly.compileStreaming` wants
/// `application/wasm`).
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "yaml" | "yml" => "text/yaml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that `uri_path` names, or `None` when the path tries to leave it.
pub fn resolve(root: &Path, uri_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(uri_path)?;
    let mut out = root.to_path_buf();
    for part in Path::new(decoded.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) if !p.to_string_lossy().contains('\\') => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

/// Whether `path` exists and, symlinks followed, lies inside `root` (canonical): a link
/// in the served directory may point anywhere.
pub fn really_inside(root: &Path, path: &Path) -> bool {
    path.canonicalize().is_ok_and(|real| real.starts_with(root))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn serve_file(
    State(root): State<std::sync::Arc<PathBuf>>,
    method: Method,
    uri: Uri,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n").into_response();
    }
    let Some(path) = resolve(&root, uri.path()) else {
        return (StatusCode::BAD_REQUEST, "bad path\n").into_response();
    };
    if !really_inside(&root, &path) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    // tokio's `fs` feature is off in this workspace; the files are small.
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read(path)).await
    };
    match read {
        Ok(Ok(bytes)) => {
            let mut resp = Response::new(if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(bytes)
            });
            let headers = resp.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&path)),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            // The page is rebuilt in place during development; never serve a stale copy.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            // Cross-origin isolation: browsers then time with µs precision instead of
            // 100 µs steps, which the page's per-call timings need.
            headers.insert(
                "cross-origin-opener-policy",
                HeaderValue::from_static("same-origin"),
            );
            headers.insert(
                "cross-origin-embedder-policy",
                HeaderValue::from_static("require-corp"),
            );
            resp
        }
        _ => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_root() {
        let root = Path::new("/srv/site");
        assert_eq!(
            resolve(root, "/app.js"),
            Some(PathBuf::from("/srv/site/app.js"))
        );
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/%2e%2e/%2e%2e/etc"), None);
        assert_eq!(resolve(root, "/a%5c..%5cb"), None);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_not_followed() {
        let dir = std::env::temp_dir().join(format!("gh-static-{}", std::process::id()));
        let root = dir.join("site");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(dir.join("secret.txt"), "secret").unwrap();
        std::fs::write(root.join("sub/page.html"), "page").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("sub/page.html"), root.join("alias.html")).unwrap();
        let root = root.canonicalize().unwrap();
        let inside = |p: &str| really_inside(&root, &resolve(&root, p).unwrap());
        assert!(!inside("/leak.txt"), "a link out of the root is followed");
        assert!(inside("/alias.html"), "a link within the root is served");
        assert!(inside("/sub/page.html"));
        assert!(!inside("/missing.html"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn wasm_and_modules_get_their_types() {
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("w.mjs")),
            "text/javascript; charset=utf-8"
        );
    }
}
