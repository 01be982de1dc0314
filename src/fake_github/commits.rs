//! Repository contents as a small in-memory commit graph: pushes, history and tree diffs.
//! Shas are fake (sha-256 based, 40 hex digits) but stable for the same content.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::state::{Commit, Repo};

pub(crate) type Tree = BTreeMap<String, Vec<u8>>;

fn sha_of(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())[..40].to_string()
}

/// What git would call the blob's id (here: a stand-in with the same length).
pub(crate) fn blob_sha(content: &[u8]) -> String {
    sha_of(&[b"blob", content])
}

pub(crate) fn tree_sha(tree: &Tree) -> String {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for (path, content) in tree {
        parts.push(path.as_bytes().to_vec());
        parts.push(blob_sha(content).into_bytes());
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    sha_of(&refs)
}

/// One file's change between two trees, as the commits and compare APIs list it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileChange {
    pub path: String,
    /// added, removed or modified.
    pub status: &'static str,
    pub additions: usize,
    pub deletions: usize,
    /// The content after the change (before it, for a removal).
    pub content: Vec<u8>,
}

fn line_counts(old: &[u8], new: &[u8]) -> (usize, usize) {
    let count = |text: &[u8]| {
        let mut lines: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            *lines.entry(line.to_vec()).or_default() += 1;
        }
        lines
    };
    let (old, new) = (count(old), count(new));
    let surplus = |a: &BTreeMap<Vec<u8>, usize>, b: &BTreeMap<Vec<u8>, usize>| {
        a.iter()
            .map(|(line, n)| n.saturating_sub(b.get(line).copied().unwrap_or(0)))
            .sum::<usize>()
    };
    (surplus(&new, &old), surplus(&old, &new))
}

pub(crate) fn diff(old: &Tree, new: &Tree) -> Vec<FileChange> {
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    paths
        .into_iter()
        .filter_map(|path| {
            let (status, before, after) = match (old.get(path), new.get(path)) {
                (None, Some(after)) => ("added", &[][..], after.as_slice()),
                (Some(before), None) => ("removed", before.as_slice(), &[][..]),
                (Some(before), Some(after)) if before != after => {
                    ("modified", before.as_slice(), after.as_slice())
                }
                _ => return None,
            };
            let (additions, deletions) = line_counts(before, after);
            let content = if status == "removed" { before } else { after };
            Some(FileChange {
                path: path.clone(),
                status,
                additions,
                deletions,
                content: content.to_vec(),
            })
        })
        .collect()
}

impl Repo {
    /// Commits `changes` (path → new content, `None` deletes) on top of `branch`, creating the
    /// branch from the default branch's head (or as a root commit) when it does not exist.
    pub(crate) fn commit_changes(
        &mut self,
        branch: &str,
        changes: &[(String, Option<Vec<u8>>)],
        message: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> String {
        let parent = self
            .branches
            .get(branch)
            .or_else(|| self.branches.get(&self.default_branch))
            .cloned();
        let mut tree = parent
            .as_ref()
            .and_then(|p| self.commits.get(p))
            .map(|c| c.tree.clone())
            .unwrap_or_default();
        for (path, content) in changes {
            match content {
                Some(bytes) => {
                    tree.insert(path.clone(), bytes.clone());
                }
                None => {
                    tree.remove(path);
                }
            }
        }
        let parents: Vec<String> = parent.into_iter().collect();
        let salt = (self.commits.len() as u64).to_be_bytes();
        let parent_bytes = parents.join(",");
        let sha = sha_of(&[
            b"commit",
            parent_bytes.as_bytes(),
            tree_sha(&tree).as_bytes(),
            message.as_bytes(),
            author.as_bytes(),
            &salt,
        ]);
        self.commits.insert(
            sha.clone(),
            Commit {
                sha: sha.clone(),
                parents,
                message: message.to_string(),
                author: author.to_string(),
                date: now,
                tree,
            },
        );
        self.branches.insert(branch.to_string(), sha.clone());
        sha
    }

    /// `sha` and everything reachable from it, nearest first.
    pub(crate) fn ancestors(&self, sha: &str) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        let mut queue = VecDeque::from([sha.to_string()]);
        while let Some(next) = queue.pop_front() {
            if !seen.insert(next.clone()) {
                continue;
            }
            if let Some(commit) = self.commits.get(&next) {
                queue.extend(commit.parents.iter().cloned());
            }
            order.push(next);
        }
        order
    }

    /// The nearest commit both `a` and `b` reach.
    pub(crate) fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let from_a: BTreeSet<String> = self.ancestors(a).into_iter().collect();
        self.ancestors(b).into_iter().find(|c| from_a.contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn diffs_name_added_removed_and_modified_files() {
        let old = tree(&[
            ("a.md", "one\ntwo\n"),
            ("gone.md", "x\n"),
            ("same.md", "s\n"),
        ]);
        let new = tree(&[
            ("a.md", "one\nthree\nfour\n"),
            ("new.md", "n\n"),
            ("same.md", "s\n"),
        ]);
        let changes: Vec<(String, &str, usize, usize)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.path, c.status, c.additions, c.deletions))
            .collect();
        assert_eq!(
            changes,
            [
                ("a.md".to_string(), "modified", 2, 1),
                ("gone.md".to_string(), "removed", 0, 1),
                ("new.md".to_string(), "added", 1, 0),
            ]
        );
    }

    #[test]
    fn shas_are_forty_hex_digits_and_depend_on_content() {
        let a = blob_sha(b"a");
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, blob_sha(b"b"));
        assert_eq!(a, blob_sha(b"a"));
    }
}
