//! Building REST paths safely (percent-encoded segments, query strings) and following `Link` pages.

use http::HeaderMap;
use url::Url;

use crate::ids::RepoName;

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters.
pub(crate) fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A file path inside a repository: each part encoded, the slashes kept.
pub(crate) fn file_path(path: &str) -> String {
    path.trim_matches('/')
        .split('/')
        .map(segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// `/repos/{owner}/{name}` followed by `tail` (which starts with `/` or is empty).
pub(crate) fn repo(repo: &RepoName, tail: &str) -> String {
    format!(
        "/repos/{}/{}{tail}",
        segment(repo.owner()),
        segment(repo.name())
    )
}

pub(crate) fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{query}")
}

/// The `rel="next"` page of a `Link` header, as a path and query relative to the API root.
/// Only the path is kept so that every call goes to the configured API URL.
pub(crate) fn next_page(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
            if !is_next {
                return None;
            }
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            let url = Url::parse(target).ok()?;
            Some(match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_string(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_paths_are_encoded() {
        assert_eq!(segment("good first issue"), "good%20first%20issue");
        assert_eq!(segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(segment("app[bot]"), "app%5Bbot%5D");
        assert_eq!(segment("ünï"), "%C3%BCn%C3%AF");
        assert_eq!(
            file_path("/docs/post mortems/x.md"),
            "docs/post%20mortems/x.md"
        );
        let r = RepoName::new("acme", "api.rs");
        assert_eq!(repo(&r, "/issues"), "/repos/acme/api.rs/issues");
        assert_eq!(
            with_query("/x", &[("creator", "bot[bot]"), ("state", "all")]),
            "/x?creator=bot%5Bbot%5D&state=all"
        );
    }

    #[test]
    fn next_page_is_found_among_links() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            r#"<https://api.github.com/repositories/1/issues?page=1>; rel="prev", <https://api.github.com/repositories/1/issues?per_page=100&page=3>; rel="next", <https://api.github.com/repositories/1/issues?page=9>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_page(&headers).as_deref(),
            Some("/repositories/1/issues?per_page=100&page=3")
        );
        headers.insert(
            http::header::LINK,
            r#"<https://ghe.example/api/v3/x?page=2>; rel="next""#
                .parse()
                .unwrap(),
        );
        assert_eq!(next_page(&headers).as_deref(), Some("/api/v3/x?page=2"));
        headers.insert(
            http::header::LINK,
            r#"<https://api.github.com/x?page=1>; rel="first""#.parse().unwrap(),
        );
        assert_eq!(next_page(&headers), None);
        assert_eq!(next_page(&HeaderMap::new()), None);
    }
}
