//! Pure: what the document wants × what is already tracked → the actions that bring GitHub in step.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use crate::ids::{IssueNumber, RepoName};
use crate::postmortem::FollowUp;
use crate::store::{FollowUpState, TrackedFollowUp};

/// Bumped when the rendered follow-up body changes shape, so every issue is re-rendered once.
const RENDER_VERSION: &str = "1";

/// Items whose wording changed are matched to their old selves from this similarity up.
const RENAME_SIMILARITY: f64 = 0.5;

/// One step that brings GitHub in step with the document. `item` indexes the parsed follow-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open an issue (after checking that none carries the key's marker already).
    Create { key: String, item: usize },
    /// The item names an issue of this repository: track it instead of opening one.
    Adopt {
        key: String,
        item: usize,
        issue: IssueNumber,
    },
    /// The item names a tracker outside this repository: record it, open nothing.
    TrackElsewhere {
        key: String,
        item: usize,
        link: String,
    },
    /// The document already marks the item done: record it, open nothing.
    RecordDone { key: String, item: usize },
    /// Wording, details or fields changed: rewrite the issue's title and body.
    Update {
        key: String,
        item: usize,
        issue: IssueNumber,
    },
    /// The document now marks a tracked, open item done.
    CloseDone {
        key: String,
        item: usize,
        issue: IssueNumber,
    },
    /// The item left the document.
    Remove {
        key: String,
        issue: Option<IssueNumber>,
    },
    /// Nothing to do on GitHub (the store may still learn the item's new position).
    Unchanged { key: String, item: usize },
}

impl Action {
    pub fn key(&self) -> &str {
        match self {
            Action::Create { key, .. }
            | Action::Adopt { key, .. }
            | Action::TrackElsewhere { key, .. }
            | Action::RecordDone { key, .. }
            | Action::Update { key, .. }
            | Action::CloseDone { key, .. }
            | Action::Remove { key, .. }
            | Action::Unchanged { key, .. } => key,
        }
    }
}

/// Where an item's `issue` field points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracker {
    SameRepo(IssueNumber),
    Elsewhere(String),
}

/// Reads a tracker reference relative to the post-mortem's repository.
pub fn tracker_for(link: &str, repo: &RepoName) -> Tracker {
    let link = link.trim();
    let same_repo_number = if let Some(number) = link.strip_prefix('#') {
        number.parse().ok()
    } else if let Some(rest) = link
        .strip_prefix("https://github.com/")
        .or_else(|| link.strip_prefix("http://github.com/"))
    {
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        match parts.as_slice() {
            [owner, name, "issues" | "pull", number, ..]
                if owner.eq_ignore_ascii_case(repo.owner())
                    && name.eq_ignore_ascii_case(repo.name()) =>
            {
                number.split(['#', '?']).next().and_then(|n| n.parse().ok())
            }
            _ => None,
        }
    } else if let Some((name, number)) = link.split_once('#') {
        name.eq_ignore_ascii_case(&repo.to_string())
            .then(|| number.parse().ok())
            .flatten()
    } else {
        None
    };
    match same_repo_number {
        Some(number) => Tracker::SameRepo(IssueNumber(number)),
        None => Tracker::Elsewhere(link.to_string()),
    }
}

/// Lower-case words of the text, so punctuation and Markdown noise do not change identity.
pub fn normalize_title(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn short_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// The stable identity of an item: its source and normalized text (plus its rank among equal texts).
pub fn follow_up_key(source: &str, title: &str, occurrence: usize) -> String {
    let normalized = normalize_title(title);
    if occurrence == 0 {
        short_hash(&[source, &normalized])
    } else {
        short_hash(&[source, &normalized, &occurrence.to_string()])
    }
}

/// Keys for every item of a document, distinct even when two items read the same.
pub fn keys_for(source: &str, items: &[FollowUp]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    items
        .iter()
        .map(|item| {
            let occurrence = seen.entry(normalize_title(&item.title)).or_insert(0);
            let key = follow_up_key(source, &item.title, *occurrence);
            *occurrence += 1;
            key
        })
        .collect()
}

/// A fingerprint of everything that shapes the item's issue, so unchanged items cost no call.
pub fn fingerprint(item: &FollowUp) -> String {
    let fields = [
        item.title.as_str(),
        item.owner.as_deref().unwrap_or(""),
        item.due.as_deref().unwrap_or(""),
        item.priority.as_deref().unwrap_or(""),
        item.kind.as_deref().unwrap_or(""),
        item.incident.as_deref().unwrap_or(""),
    ];
    let details = item.details.join("\n");
    let mut parts: Vec<&str> = vec![RENDER_VERSION];
    parts.extend(fields);
    parts.push(&details);
    short_hash(&parts)
}

/// Dice coefficient over the sets of words of two titles (0 = nothing shared, 1 = same words).
pub fn similarity(a: &str, b: &str) -> f64 {
    let a = normalize_title(a);
    let b = normalize_title(b);
    let a: HashSet<&str> = a.split(' ').filter(|w| !w.is_empty()).collect();
    let b: HashSet<&str> = b.split(' ').filter(|w| !w.is_empty()).collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(&b).count();
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

/// Decides, for each item of the document and each tracked follow-up, what must happen.
///
/// `keys` are `keys_for(source, items)`. Tracked follow-ups are matched by key first, then leftover
/// ones by wording similarity, so an edited item keeps its issue (and its old key).
pub fn plan(
    items: &[FollowUp],
    keys: &[String],
    tracked: &[TrackedFollowUp],
    repo: &RepoName,
) -> Vec<Action> {
    let mut match_for_item: Vec<Option<usize>> = vec![None; items.len()];
    let mut tracked_taken = vec![false; tracked.len()];
    let by_key: HashMap<&str, usize> = tracked
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), i))
        .collect();
    for (item, key) in keys.iter().enumerate() {
        if let Some(&t) = by_key.get(key.as_str()) {
            match_for_item[item] = Some(t);
            tracked_taken[t] = true;
        }
    }

    // Edited wording: pair leftovers, best pairs first.
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (item, matched) in match_for_item.iter().enumerate() {
        if matched.is_some() {
            continue;
        }
        for (t, taken) in tracked_taken.iter().enumerate() {
            if *taken {
                continue;
            }
            let score = similarity(&items[item].title, &tracked[t].title);
            if score >= RENAME_SIMILARITY {
                candidates.push((score, item, t));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, item, t) in candidates {
        if match_for_item[item].is_none() && !tracked_taken[t] {
            match_for_item[item] = Some(t);
            tracked_taken[t] = true;
        }
    }

    let mut actions = Vec::with_capacity(items.len() + tracked.len());
    for (item_index, item) in items.iter().enumerate() {
        let action = match match_for_item[item_index].map(|t| &tracked[t]) {
            Some(t) => matched_action(item_index, item, t),
            None => new_item_action(item_index, item, keys[item_index].clone(), repo),
        };
        actions.push(action);
    }
    for (t, taken) in tracked_taken.iter().enumerate() {
        if !taken && tracked[t].state != FollowUpState::Removed {
            actions.push(Action::Remove {
                key: tracked[t].key.clone(),
                issue: tracked[t].issue,
            });
        }
    }
    actions
}

fn matched_action(item_index: usize, item: &FollowUp, tracked: &TrackedFollowUp) -> Action {
    let key = tracked.key.clone();
    let Some(issue) = tracked.issue else {
        // Not bound to an issue of ours: a create still in flight resumes; the rest stays recorded.
        return if tracked.adopted || tracked.done_in_doc {
            Action::Unchanged {
                key,
                item: item_index,
            }
        } else if item.done {
            Action::RecordDone {
                key,
                item: item_index,
            }
        } else {
            Action::Create {
                key,
                item: item_index,
            }
        };
    };
    if item.done && !tracked.done_in_doc && tracked.state == FollowUpState::Open {
        return Action::CloseDone {
            key,
            item: item_index,
            issue,
        };
    }
    // An adopted issue belongs to whoever opened it: the bot tracks it but never rewrites it.
    let changed = tracked.title != item.title || tracked.body_hash != fingerprint(item);
    if changed && !tracked.adopted {
        Action::Update {
            key,
            item: item_index,
            issue,
        }
    } else {
        Action::Unchanged {
            key,
            item: item_index,
        }
    }
}

fn new_item_action(item_index: usize, item: &FollowUp, key: String, repo: &RepoName) -> Action {
    if item.done {
        return Action::RecordDone {
            key,
            item: item_index,
        };
    }
    match item.issue.as_deref().map(|link| tracker_for(link, repo)) {
        Some(Tracker::SameRepo(issue)) => Action::Adopt {
            key,
            item: item_index,
            issue,
        },
        Some(Tracker::Elsewhere(link)) => Action::TrackElsewhere {
            key,
            item: item_index,
            link,
        },
        None => Action::Create {
            key,
            item: item_index,
        },
    }
}

#[cfg(test)]
mod tests;
