//! The fake's whole world, behind one mutex: installations, repositories with their issues,
//! labels, commits and wikis, tokens, armed faults and the request log.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::config::ManifestConversion;
use super::faults::Fault;
use super::record::RecordedRequest;
use crate::ids::{InstallationId, IssueNumber, RepoName};

/// An issue as tests see it: everything the API would show, plus its comments.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeIssue {
    /// The global id (what the sub-issues API takes), not the number.
    pub id: u64,
    pub number: IssueNumber,
    pub title: String,
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened`, or none.
    pub state_reason: Option<String>,
    pub author: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub comments: Vec<FakeComment>,
    pub locked: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    /// Id of the parent issue (sub-issues API).
    pub parent: Option<u64>,
    /// Ids of the sub-issues, in order.
    pub sub_issues: Vec<u64>,
    /// Pinned to the repository's issue list (GraphQL `pinIssue`).
    pub pinned: bool,
    pub(crate) gone: Option<Gone>,
}

impl FakeIssue {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

/// Why an issue no longer answers at its old address.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Gone {
    Deleted,
    Transferred { to: RepoName, number: IssueNumber },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeComment {
    pub id: u64,
    pub author: String,
    pub body: String,
    pub reactions: Vec<FakeReaction>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeReaction {
    pub id: u64,
    pub user: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeLabel {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeCommitComment {
    pub id: u64,
    pub commit_id: String,
    pub author: String,
    pub body: String,
    pub path: Option<String>,
    pub line: Option<u64>,
    pub position: Option<u64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct Installation {
    pub account: String,
    pub repos: BTreeSet<RepoName>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub installation: InstallationId,
    pub expires_at: DateTime<Utc>,
    /// Set when the token was asked for with `repositories`: it sees only these.
    pub repos: Option<BTreeSet<RepoName>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub sha: String,
    pub parents: Vec<String>,
    pub message: String,
    pub author: String,
    pub date: DateTime<Utc>,
    /// The whole tree: path → bytes.
    pub tree: BTreeMap<String, Vec<u8>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub id: u64,
    pub name: RepoName,
    pub private: bool,
    pub has_wiki: bool,
    pub default_branch: String,
    pub created_at: DateTime<Utc>,
    /// login → role (admin, maintain, write, triage, read).
    pub permissions: BTreeMap<String, String>,
    /// Explicit answers for the assignees endpoint, overriding the role rule.
    pub assignable: BTreeMap<String, bool>,
    /// Index = number - 1.
    pub issues: Vec<FakeIssue>,
    pub labels: Vec<FakeLabel>,
    pub commits: HashMap<String, Commit>,
    pub branches: BTreeMap<String, String>,
    pub commit_comments: Vec<FakeCommitComment>,
    /// The wiki's bare git repository, once a page was written.
    pub wiki: Option<PathBuf>,
}

impl Repo {
    pub fn issue(&self, number: u64) -> Option<&FakeIssue> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.issues.get(index)
    }

    pub fn issue_mut(&mut self, number: u64) -> Option<&mut FakeIssue> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.issues.get_mut(index)
    }

    pub fn label(&self, name: &str) -> Option<&FakeLabel> {
        // GitHub matches label names case-insensitively.
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    /// The legacy permission the permission endpoint reports: maintain → write, triage → read.
    pub fn role(&self, login: &str) -> &str {
        self.permissions.get(login).map_or("none", String::as_str)
    }

    /// Assignable: an explicit override, else anyone with triage or more.
    pub fn is_assignable(&self, login: &str) -> bool {
        if let Some(explicit) = self.assignable.get(login) {
            return *explicit;
        }
        matches!(self.role(login), "admin" | "maintain" | "write" | "triage")
    }

    pub fn author_association(&self, login: &str) -> &'static str {
        if login.eq_ignore_ascii_case(self.name.owner()) {
            "OWNER"
        } else if self.permissions.contains_key(login) {
            "COLLABORATOR"
        } else {
            "NONE"
        }
    }

    pub fn find_comment(&self, id: u64) -> Option<(usize, usize)> {
        self.issues.iter().enumerate().find_map(|(i, issue)| {
            let c = issue.comments.iter().position(|c| c.id == id)?;
            Some((i, c))
        })
    }

    /// A branch name, `refs/heads/x`, a full sha or an unambiguous prefix of one (7+).
    pub fn resolve(&self, git_ref: &str) -> Option<&Commit> {
        let name = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
        let name = if name == "HEAD" {
            self.default_branch.as_str()
        } else {
            name
        };
        if let Some(sha) = self.branches.get(name) {
            return self.commits.get(sha);
        }
        if let Some(commit) = self.commits.get(name) {
            return Some(commit);
        }
        if name.len() >= 7 && name.chars().all(|c| c.is_ascii_hexdigit()) {
            let mut found = self.commits.values().filter(|c| c.sha.starts_with(name));
            let first = found.next()?;
            return found.next().is_none().then_some(first);
        }
        None
    }
}

/// Id ranges are disjoint so that a number used where an id belongs never finds anything.
#[derive(Debug)]
struct Ids {
    repo: u64,
    issue: u64,
    comment: u64,
    label: u64,
    reaction: u64,
    commit_comment: u64,
}

pub(crate) enum IdKind {
    Repo,
    Issue,
    Comment,
    Label,
    Reaction,
    CommitComment,
}

#[derive(Debug)]
pub(crate) struct State {
    pub installations: BTreeMap<InstallationId, Installation>,
    pub repos: BTreeMap<RepoName, Repo>,
    pub tokens: HashMap<String, Token>,
    pub manifest_codes: HashMap<String, ManifestConversion>,
    pub faults: Vec<Fault>,
    pub requests: Vec<RecordedRequest>,
    /// Requests counted against each rate-limit bucket in the current window.
    pub rate_used: HashMap<String, u32>,
    pub rate_window_reset: DateTime<Utc>,
    /// Mutating requests being served right now, per installation, and the most ever seen.
    pub mutations_in_flight: HashMap<InstallationId, usize>,
    pub max_mutations_in_flight: HashMap<InstallationId, usize>,
    /// Requests currently held by a `Hold` fault.
    pub held: usize,
    ids: Ids,
}

impl State {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            installations: BTreeMap::new(),
            repos: BTreeMap::new(),
            tokens: HashMap::new(),
            manifest_codes: HashMap::new(),
            faults: Vec::new(),
            requests: Vec::new(),
            rate_used: HashMap::new(),
            rate_window_reset: now + chrono::Duration::hours(1),
            mutations_in_flight: HashMap::new(),
            max_mutations_in_flight: HashMap::new(),
            held: 0,
            ids: Ids {
                repo: 500_000_000,
                issue: 100_000_000,
                comment: 200_000_000,
                label: 300_000_000,
                reaction: 400_000_000,
                commit_comment: 600_000_000,
            },
        }
    }

    pub fn next_id(&mut self, kind: IdKind) -> u64 {
        let counter = match kind {
            IdKind::Repo => &mut self.ids.repo,
            IdKind::Issue => &mut self.ids.issue,
            IdKind::Comment => &mut self.ids.comment,
            IdKind::Label => &mut self.ids.label,
            IdKind::Reaction => &mut self.ids.reaction,
            IdKind::CommitComment => &mut self.ids.commit_comment,
        };
        *counter += 1;
        *counter
    }

    pub fn is_org(&self, login: &str) -> bool {
        self.installations.values().any(|i| i.account == login)
    }

    pub fn installation_of(&self, repo: &RepoName) -> Option<InstallationId> {
        self.installations
            .iter()
            .find(|(_, i)| i.repos.contains(repo))
            .map(|(id, _)| *id)
    }

    /// Can a token of `installation` (restricted to `scope` if set) reach `repo`?
    pub fn can_reach(
        &self,
        installation: InstallationId,
        scope: Option<&BTreeSet<RepoName>>,
        repo: &RepoName,
    ) -> bool {
        self.repos.contains_key(repo)
            && self
                .installations
                .get(&installation)
                .is_some_and(|i| i.repos.contains(repo))
            && scope.is_none_or(|s| s.contains(repo))
    }

    pub fn add_repo(&mut self, name: &RepoName, now: DateTime<Utc>) -> &mut Repo {
        let id = if self.repos.contains_key(name) {
            0
        } else {
            self.next_id(IdKind::Repo)
        };
        self.repos.entry(name.clone()).or_insert_with(|| Repo {
            id,
            name: name.clone(),
            private: false,
            has_wiki: true,
            default_branch: "main".to_string(),
            created_at: now,
            permissions: BTreeMap::new(),
            assignable: BTreeMap::new(),
            issues: Vec::new(),
            labels: Vec::new(),
            commits: HashMap::new(),
            branches: BTreeMap::new(),
            commit_comments: Vec::new(),
            wiki: None,
        })
    }

    /// The label's canonical name, creating it (grey, as GitHub does) when missing.
    pub fn ensure_label(&mut self, repo: &RepoName, name: &str) -> Option<String> {
        if let Some(existing) = self.repos.get(repo)?.label(name) {
            return Some(existing.name.clone());
        }
        let id = self.next_id(IdKind::Label);
        let label = FakeLabel {
            id,
            name: name.to_string(),
            color: "ededed".to_string(),
            description: None,
        };
        self.repos.get_mut(repo)?.labels.push(label);
        Some(name.to_string())
    }

    /// Opens an issue; labels are created as needed, unassignable assignees silently dropped.
    pub fn create_issue(
        &mut self,
        repo: &RepoName,
        new: NewIssue,
        now: DateTime<Utc>,
    ) -> Option<IssueNumber> {
        let mut labels = Vec::new();
        for name in &new.labels {
            let canonical = self.ensure_label(repo, name)?;
            if !labels.contains(&canonical) {
                labels.push(canonical);
            }
        }
        let id = self.next_id(IdKind::Issue);
        let r = self.repos.get_mut(repo)?;
        let mut assignees: Vec<String> = Vec::new();
        for login in new.assignees {
            if r.is_assignable(&login) && !assignees.contains(&login) {
                assignees.push(login);
            }
        }
        let number = IssueNumber(r.issues.len() as u64 + 1);
        r.issues.push(FakeIssue {
            id,
            number,
            title: new.title,
            body: new.body,
            state: "open".to_string(),
            state_reason: None,
            author: new.author,
            labels,
            assignees,
            comments: Vec::new(),
            locked: false,
            created_at: now,
            updated_at: now,
            closed_at: None,
            closed_by: None,
            parent: None,
            sub_issues: Vec::new(),
            pinned: false,
            gone: None,
        });
        Some(number)
    }

    /// Where an issue with this global id lives.
    pub fn find_issue_by_id(&self, id: u64) -> Option<(RepoName, u64)> {
        self.repos.values().find_map(|r| {
            r.issues
                .iter()
                .find(|i| i.id == id && i.gone.is_none())
                .map(|i| (r.name.clone(), i.number.0))
        })
    }

    pub fn issue_by_id(&self, id: u64) -> Option<&FakeIssue> {
        let (repo, number) = self.find_issue_by_id(id)?;
        self.repos.get(&repo)?.issue(number)
    }

    pub fn issue_by_id_mut(&mut self, id: u64) -> Option<&mut FakeIssue> {
        let (repo, number) = self.find_issue_by_id(id)?;
        self.repos.get_mut(&repo)?.issue_mut(number)
    }
}

/// What it takes to open an issue.
#[derive(Debug, Clone)]
pub(crate) struct NewIssue {
    pub author: String,
    pub title: String,
    pub body: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
}
