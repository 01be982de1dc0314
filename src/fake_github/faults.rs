//! Injected faults: GitHub misbehaving on purpose, so retries and exactly-once can be tested.

use std::time::Duration;

use http::Method;

/// One misbehaviour, armed for the next `times` requests that match `method` and `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `None` matches every method.
    pub method: Option<Method>,
    /// A concrete path or a pattern over it: `{name}` matches one segment, a trailing `*` matches
    /// any rest (`/repos/o/r/issues*` is a prefix). The query string is not part of it.
    pub path: String,
    pub kind: FaultKind,
    /// How many matching requests the fault hits before it disarms.
    pub times: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer this status (with GitHub's error body) without applying the request.
    Status(u16),
    /// A primary rate limit: 403, `retry-after`, `x-ratelimit-remaining: 0`, a reset in the
    /// future; not applied.
    RateLimited { retry_after_secs: u64 },
    /// A secondary rate limit: 429 with `retry-after`; not applied.
    SecondaryRateLimit { retry_after_secs: u64 },
    /// Apply the request, then answer this status: the response was lost on the way back.
    ApplyThenStatus(u16),
    /// Wait this long, then serve the request normally.
    Delay(Duration),
    /// Keep the request waiting, not yet applied, until [`super::FakeGitHub::release_held`];
    /// then serve it normally. Lets a test hold a call in flight without guessing at timing.
    Hold,
}

impl Fault {
    /// A fault on `method` requests to `path`, hitting once.
    pub fn new(method: Method, path: impl Into<String>, kind: FaultKind) -> Self {
        Self {
            method: Some(method),
            path: path.into(),
            kind,
            times: 1,
        }
    }

    /// A fault on every method of `path`, hitting once.
    pub fn any_method(path: impl Into<String>, kind: FaultKind) -> Self {
        Self {
            method: None,
            path: path.into(),
            kind,
            times: 1,
        }
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    pub fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method) && path_matches(&self.path, path)
    }
}

/// Does a concrete `path` fit `pattern` (see [`Fault::path`])?
pub fn path_matches(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        let mut pattern_segments: Vec<&str> = prefix.split('/').collect();
        // A prefix may end mid-segment ("/repos/o/r/iss*"): the last piece is a string prefix.
        let last = pattern_segments.pop().unwrap_or_default();
        let path_segments: Vec<&str> = path.split('/').collect();
        if path_segments.len() < pattern_segments.len() + 1 {
            return false;
        }
        let heads_match = pattern_segments
            .iter()
            .zip(&path_segments)
            .all(|(p, s)| segment_matches(p, s));
        let tail = path_segments[pattern_segments.len()..].join("/");
        return heads_match && (is_placeholder(last) || tail.starts_with(last));
    }
    let pattern_segments: Vec<&str> = pattern.split('/').collect();
    let path_segments: Vec<&str> = path.split('/').collect();
    pattern_segments.len() == path_segments.len()
        && pattern_segments
            .iter()
            .zip(&path_segments)
            .all(|(p, s)| segment_matches(p, s))
}

fn is_placeholder(segment: &str) -> bool {
    segment.len() >= 2 && segment.starts_with('{') && segment.ends_with('}')
}

fn segment_matches(pattern: &str, segment: &str) -> bool {
    if is_placeholder(pattern) {
        !segment.is_empty()
    } else {
        pattern == segment
    }
}

/// Takes the first armed fault matching the request, counting one hit against it.
pub(crate) fn take_matching(
    faults: &mut Vec<Fault>,
    method: &Method,
    path: &str,
) -> Option<FaultKind> {
    let index = faults.iter().position(|f| f.matches(method, path))?;
    let fault = &mut faults[index];
    let kind = fault.kind.clone();
    fault.times = fault.times.saturating_sub(1);
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments_and_prefixes() {
        let cases = [
            ("/repos/{owner}/{repo}/issues", "/repos/o/r/issues", true),
            ("/repos/{owner}/{repo}/issues", "/repos/o/r/issues/1", false),
            ("/repos/{owner}/{repo}/issues", "/repos/o/r/labels", false),
            ("/repos/o/r/issues", "/repos/o/r/issues", true),
            ("/repos/o/r/issues", "/repos/o/x/issues", false),
            ("/repos/o/r/issues*", "/repos/o/r/issues/3/comments", true),
            ("/repos/o/r/issues*", "/repos/o/r/issues", true),
            ("/repos/o/r/iss*", "/repos/o/r/issues", true),
            ("/repos/{owner}/{repo}/*", "/repos/o/r/labels/x", true),
            ("/repos/{owner}/{repo}/*", "/app", false),
            ("/app*", "/app/installations/1/access_tokens", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(path_matches(pattern, path), expected, "{pattern} vs {path}");
        }
    }

    #[test]
    fn a_fault_disarms_after_its_hits() {
        let mut faults = vec![
            Fault::new(
                Method::POST,
                "/repos/{o}/{r}/issues",
                FaultKind::Status(500),
            )
            .times(2),
        ];
        let post = Method::POST;
        assert_eq!(
            take_matching(&mut faults, &Method::GET, "/repos/o/r/issues"),
            None
        );
        assert_eq!(
            take_matching(&mut faults, &post, "/repos/o/r/issues"),
            Some(FaultKind::Status(500))
        );
        assert_eq!(
            take_matching(&mut faults, &post, "/repos/o/r/issues"),
            Some(FaultKind::Status(500))
        );
        assert_eq!(take_matching(&mut faults, &post, "/repos/o/r/issues"), None);
        assert!(faults.is_empty());
    }
}
