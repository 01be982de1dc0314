//! Newtypes for the identifiers that cross the GitHub and store boundaries.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `owner/name` of a repository, kept as two parts so nobody re-splits strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoName {
    owner: String,
    name: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a repository name of the form owner/name")]
pub struct BadRepoName(pub String);

impl RepoName {
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            name: name.into(),
        }
    }
    pub fn owner(&self) -> &str {
        &self.owner
    }
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl FromStr for RepoName {
    type Err = BadRepoName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(Self::new(owner, name))
            }
            _ => Err(BadRepoName(s.to_string())),
        }
    }
}

impl TryFrom<String> for RepoName {
    type Error = BadRepoName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RepoName> for String {
    fn from(r: RepoName) -> String {
        r.to_string()
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

number_id!(
    /// The number of an issue (or pull request) inside its repository.
    IssueNumber
);
number_id!(
    /// A GitHub App installation.
    InstallationId
);

/// The `X-GitHub-Delivery` header: unique per delivery, repeated on redelivery.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeliveryId(pub String);

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a post-mortem lives; its string form is the source's stable identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Issue { repo: RepoName, number: IssueNumber },
    File { repo: RepoName, path: String },
    Wiki { repo: RepoName, page: String },
}

impl Source {
    pub fn repo(&self) -> &RepoName {
        match self {
            Source::Issue { repo, .. } | Source::File { repo, .. } | Source::Wiki { repo, .. } => {
                repo
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Issue { repo, number } => write!(f, "issue:{repo}#{number}"),
            Source::File { repo, path } => write!(f, "file:{repo}:{path}"),
            Source::Wiki { repo, page } => write!(f, "wiki:{repo}:{page}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names_parse_and_print() {
        let repo: RepoName = "octo/app".parse().unwrap();
        assert_eq!(repo.owner(), "octo");
        assert_eq!(repo.to_string(), "octo/app");
        assert!("octo".parse::<RepoName>().is_err());
        assert!("a/b/c".parse::<RepoName>().is_err());
        assert!("/b".parse::<RepoName>().is_err());
    }

    #[test]
    fn sources_have_stable_names() {
        let repo = RepoName::new("o", "r");
        let issue = Source::Issue {
            repo: repo.clone(),
            number: IssueNumber(12),
        };
        assert_eq!(issue.to_string(), "issue:o/r#12");
        let file = Source::File {
            repo,
            path: "postmortems/a.md".into(),
        };
        assert_eq!(file.to_string(), "file:o/r:postmortems/a.md");
    }
}
