//! State → GitHub's JSON shapes, with every field octocrab 0.54's models require.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::config::FakeConfig;
use super::state::{
    FakeComment, FakeCommitComment, FakeIssue, FakeLabel, FakeReaction, Repo, State,
};

pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Users are not stored: a login always renders with the same id.
pub(crate) fn user_id(login: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in login.to_ascii_lowercase().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    10_000_000 + hash % 89_999_999
}

fn escape_login(login: &str) -> String {
    login.replace('[', "%5B").replace(']', "%5D")
}

/// Renders state with the fake's own addresses.
pub(crate) struct Render<'a> {
    pub api: &'a str,
    pub html: &'a str,
    pub state: &'a State,
    pub config: &'a FakeConfig,
}

impl Render<'_> {
    pub fn user(&self, login: &str) -> Value {
        let id = user_id(login);
        let kind = if login.ends_with("[bot]") {
            "Bot"
        } else if self.state.is_org(login) {
            "Organization"
        } else {
            "User"
        };
        let api = format!("{}/users/{}", self.api, escape_login(login));
        let html = match login.strip_suffix("[bot]") {
            Some(slug) => format!("{}/apps/{slug}", self.html),
            None => format!("{}/{login}", self.html),
        };
        json!({
            "login": login,
            "id": id,
            "node_id": format!("U_kg{id}"),
            "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
            "gravatar_id": "",
            "url": api,
            "html_url": html,
            "followers_url": format!("{api}/followers"),
            "following_url": format!("{api}/following{{/other_user}}"),
            "gists_url": format!("{api}/gists{{/gist_id}}"),
            "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{api}/subscriptions"),
            "organizations_url": format!("{api}/orgs"),
            "repos_url": format!("{api}/repos"),
            "events_url": format!("{api}/events{{/privacy}}"),
            "received_events_url": format!("{api}/received_events"),
            "type": kind,
            "user_view_type": "public",
            "site_admin": false,
        })
    }

    pub fn repo_api(&self, repo: &Repo) -> String {
        format!("{}/repos/{}", self.api, repo.name)
    }

    pub fn repo_html(&self, repo: &Repo) -> String {
        format!("{}/{}", self.html, repo.name)
    }

    pub fn repo(&self, repo: &Repo) -> Value {
        let api = self.repo_api(repo);
        let html = self.repo_html(repo);
        let created = timestamp(repo.created_at);
        let mut base = json!({
            "id": repo.id,
            "node_id": format!("R_kg{}", repo.id),
            "name": repo.name.name(),
            "full_name": repo.name.to_string(),
            "owner": self.user(repo.name.owner()),
            "private": repo.private,
            "visibility": if repo.private { "private" } else { "public" },
            "html_url": html,
            "description": null,
            "fork": false,
            "url": api,
            "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
            "assignees_url": format!("{api}/assignees{{/user}}"),
            "collaborators_url": format!("{api}/collaborators{{/collaborator}}"),
            "comments_url": format!("{api}/comments{{/number}}"),
            "commits_url": format!("{api}/commits{{/sha}}"),
            "compare_url": format!("{api}/compare/{{base}}...{{head}}"),
            "contents_url": format!("{api}/contents/{{+path}}"),
            "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
            "issues_url": format!("{api}/issues{{/number}}"),
            "labels_url": format!("{api}/labels{{/name}}"),
        });
        let more = json!({
            "clone_url": format!("{html}.git"),
            "git_url": format!("git://{}/{}.git", self.html.trim_start_matches("https://").trim_start_matches("http://"), repo.name),
            "ssh_url": format!("git@github.com:{}.git", repo.name),
            "default_branch": repo.default_branch,
            "has_issues": true,
            "has_projects": false,
            "has_wiki": repo.has_wiki,
            "has_pages": false,
            "has_downloads": true,
            "archived": false,
            "disabled": false,
            "is_template": false,
            "topics": [],
            "open_issues_count": repo.issues.iter().filter(|i| i.gone.is_none() && i.is_open()).count(),
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "size": 0,
            "created_at": created,
            "updated_at": created,
            "pushed_at": created,
        });
        merge(&mut base, more);
        let templates = [
            ("blobs_url", "/git/blobs{/sha}"),
            ("branches_url", "/branches{/branch}"),
            ("contributors_url", "/contributors"),
            ("deployments_url", "/deployments"),
            ("downloads_url", "/downloads"),
            ("events_url", "/events"),
            ("forks_url", "/forks"),
            ("git_commits_url", "/git/commits{/sha}"),
            ("git_refs_url", "/git/refs{/sha}"),
            ("git_tags_url", "/git/tags{/sha}"),
            ("hooks_url", "/hooks"),
            ("issue_events_url", "/issues/events{/number}"),
            ("keys_url", "/keys{/key_id}"),
            ("languages_url", "/languages"),
            ("merges_url", "/merges"),
            ("milestones_url", "/milestones{/number}"),
            (
                "notifications_url",
                "/notifications{?since,all,participating}",
            ),
            ("pulls_url", "/pulls{/number}"),
            ("releases_url", "/releases{/id}"),
            ("stargazers_url", "/stargazers"),
            ("statuses_url", "/statuses/{sha}"),
            ("subscribers_url", "/subscribers"),
            ("subscription_url", "/subscription"),
            ("tags_url", "/tags"),
            ("teams_url", "/teams"),
            ("trees_url", "/git/trees{/sha}"),
        ];
        if let Some(obj) = base.as_object_mut() {
            for (field, suffix) in templates {
                obj.insert(field.to_string(), Value::from(format!("{api}{suffix}")));
            }
        }
        let open_issues = base["open_issues_count"].clone();
        let rest = json!({
            "svn_url": html,
            "homepage": null,
            "language": null,
            "mirror_url": null,
            "license": null,
            "forks": 0,
            "watchers": 0,
            "open_issues": open_issues,
            "has_discussions": false,
            "web_commit_signoff_required": false,
            "custom_properties": {},
            "network_count": 0,
            "subscribers_count": 0,
        });
        merge(&mut base, rest);
        base
    }

    pub fn label(&self, repo: &Repo, label: &FakeLabel) -> Value {
        json!({
            "id": label.id,
            "node_id": format!("LA_kg{}", label.id),
            "url": format!("{}/labels/{}", self.repo_api(repo), escape_path(&label.name)),
            "name": label.name,
            "description": label.description,
            "color": label.color,
            "default": false,
        })
    }

    fn issue_labels(&self, repo: &Repo, issue: &FakeIssue) -> Vec<Value> {
        issue
            .labels
            .iter()
            .filter_map(|name| repo.label(name))
            .map(|l| self.label(repo, l))
            .collect()
    }

    pub fn issue(&self, repo: &Repo, issue: &FakeIssue) -> Value {
        let api = format!("{}/issues/{}", self.repo_api(repo), issue.number);
        let assignees: Vec<Value> = issue.assignees.iter().map(|a| self.user(a)).collect();
        let completed = issue
            .sub_issues
            .iter()
            .filter(|id| self.state.issue_by_id(**id).is_some_and(|i| !i.is_open()))
            .count();
        let total = issue.sub_issues.len();
        let percent = (completed * 100).checked_div(total).unwrap_or(0);
        let via_app = issue.author.ends_with("[bot]").then(|| self.app());
        let parent_url = issue
            .parent
            .and_then(|id| self.state.find_issue_by_id(id))
            .map(|(repo, number)| format!("{}/repos/{repo}/issues/{number}", self.api));
        json!({
            "id": issue.id,
            "node_id": format!("I_kg{}", issue.id),
            "url": api,
            "repository_url": self.repo_api(repo),
            "labels_url": format!("{api}/labels{{/name}}"),
            "comments_url": format!("{api}/comments"),
            "events_url": format!("{api}/events"),
            "timeline_url": format!("{api}/timeline"),
            "html_url": format!("{}/issues/{}", self.repo_html(repo), issue.number),
            "number": issue.number.0,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(&issue.author),
            "labels": self.issue_labels(repo, issue),
            "assignee": assignees.first().cloned(),
            "assignees": assignees,
            "milestone": null,
            "locked": issue.locked,
            "draft": false,
            "active_lock_reason": null,
            "comments": issue.comments.len(),
            "closed_at": issue.closed_at.map(timestamp),
            "closed_by": issue.closed_by.as_deref().map(|l| self.user(l)),
            "created_at": timestamp(issue.created_at),
            "updated_at": timestamp(issue.updated_at),
            "author_association": repo.author_association(&issue.author),
            "performed_via_github_app": via_app,
            "sub_issues_summary": { "total": total, "completed": completed, "percent_completed": percent },
            "parent_issue_url": parent_url,
            "reactions": reactions_summary(&format!("{api}/reactions"), &[]),
        })
    }

    pub fn comment(&self, repo: &Repo, issue: &FakeIssue, comment: &FakeComment) -> Value {
        let api = format!("{}/issues/comments/{}", self.repo_api(repo), comment.id);
        json!({
            "id": comment.id,
            "node_id": format!("IC_kg{}", comment.id),
            "url": api,
            "html_url": format!("{}/issues/{}#issuecomment-{}", self.repo_html(repo), issue.number, comment.id),
            "issue_url": format!("{}/issues/{}", self.repo_api(repo), issue.number),
            "body": comment.body,
            "user": self.user(&comment.author),
            "created_at": timestamp(comment.created_at),
            "updated_at": timestamp(comment.updated_at),
            "author_association": repo.author_association(&comment.author),
            "performed_via_github_app": comment.author.ends_with("[bot]").then(|| self.app()),
            "reactions": reactions_summary(&format!("{api}/reactions"), &comment.reactions),
        })
    }

    pub fn reaction(&self, reaction: &FakeReaction) -> Value {
        json!({
            "id": reaction.id,
            "node_id": format!("REA_kg{}", reaction.id),
            "user": self.user(&reaction.user),
            "content": reaction.content,
            "created_at": timestamp(reaction.created_at),
        })
    }

    pub fn commit_comment(&self, repo: &Repo, comment: &FakeCommitComment) -> Value {
        let api = format!("{}/comments/{}", self.repo_api(repo), comment.id);
        json!({
            "id": comment.id,
            "node_id": format!("CC_kg{}", comment.id),
            "url": api,
            "html_url": format!("{}/commit/{}#commitcomment-{}", self.repo_html(repo), comment.commit_id, comment.id),
            "body": comment.body,
            "path": comment.path,
            "position": comment.position,
            "line": comment.line,
            "commit_id": comment.commit_id,
            "user": self.user(&comment.author),
            "created_at": timestamp(comment.created_at),
            "updated_at": timestamp(comment.created_at),
            "author_association": repo.author_association(&comment.author),
            "reactions": reactions_summary(&format!("{api}/reactions"), &[]),
        })
    }

    /// The `integration` shape: what `GET /app` and `performed_via_github_app` show.
    pub fn app(&self) -> Value {
        let c = self.config;
        json!({
            "id": c.app_id,
            "slug": c.app_slug,
            "node_id": format!("A_kg{}", c.app_id),
            "client_id": format!("Iv1.{:016x}", c.app_id),
            "owner": self.user(&c.app_owner),
            "name": c.app_name,
            "description": "",
            "external_url": format!("{}/apps/{}", self.html, c.app_slug),
            "html_url": format!("{}/apps/{}", self.html, c.app_slug),
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "permissions": { "issues": "write", "contents": "read", "metadata": "read" },
            "events": ["issues", "issue_comment", "push", "gollum"],
            "installations_count": self.state.installations.len(),
        })
    }
}

fn reactions_summary(url: &str, reactions: &[FakeReaction]) -> Value {
    let count = |content: &str| reactions.iter().filter(|r| r.content == content).count();
    json!({
        "url": url,
        "total_count": reactions.len(),
        "+1": count("+1"),
        "-1": count("-1"),
        "laugh": count("laugh"),
        "confused": count("confused"),
        "heart": count("heart"),
        "hooray": count("hooray"),
        "rocket": count("rocket"),
        "eyes": count("eyes"),
    })
}

/// Percent-encodes what cannot sit in one URL path segment.
pub(crate) fn escape_path(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `json!` nests too deep for one macro call on big objects; build them in parts.
fn merge(base: &mut Value, more: Value) {
    if let (Some(base), Value::Object(more)) = (base.as_object_mut(), more) {
        base.extend(more);
    }
}
