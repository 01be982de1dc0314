//! Pure text rendering of a parsed post-mortem for `postmortem-bot parse` without `--json`.

use std::fmt::Write as _;

use super::PostMortem;

const TITLE_WIDTH: usize = 60;

/// A readable table of follow-ups (title, owner, due, priority, done, tracker), then the timeline
/// and derived figures.
pub fn render_text(pm: &PostMortem) -> String {
    let mut out = String::new();
    if let Some(title) = &pm.title {
        let _ = writeln!(out, "{title}\n");
    }
    let headers = ["#", "Title", "Owner", "Due", "Priority", "Done", "Tracker"];
    let rows: Vec<[String; 7]> = pm
        .follow_ups
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut title = truncate(&f.title, TITLE_WIDTH);
            if let Some(incident) = &f.incident {
                title = format!("{title} [{}]", truncate(incident, 20));
            }
            [
                (i + 1).to_string(),
                title,
                f.owner.as_deref().unwrap_or_default().to_string(),
                f.due.as_deref().unwrap_or_default().to_string(),
                f.priority.as_deref().unwrap_or_default().to_string(),
                if f.done { "yes" } else { "no" }.to_string(),
                f.issue.as_deref().unwrap_or_default().to_string(),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let pad = w.saturating_sub(cell.chars().count());
            s.push_str(cell);
            s.extend(std::iter::repeat_n(' ', pad));
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "Follow-ups ({}):", rows.len());
    let _ = writeln!(out, "{}", line(&headers.map(str::to_string)));
    let _ = writeln!(out, "{}", line(&widths.map(|w| "-".repeat(w))));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    if !pm.timeline.is_empty() {
        let _ = writeln!(out, "\nTimeline:");
        for e in &pm.timeline {
            let _ = writeln!(out, "  {:<20}  {}", e.at, truncate(&e.text, 90));
        }
    }
    let _ = writeln!(out, "\nFigures:");
    match pm.figures.time_to_resolve_minutes {
        Some(m) => {
            let _ = writeln!(
                out,
                "  time to resolve: {m} min ({}h {:02}m)",
                m / 60,
                m % 60
            );
        }
        None => {
            let _ = writeln!(out, "  time to resolve: unknown");
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::super::{FollowUp, PostMortem};
    use super::*;

    #[test]
    fn renders_columns_timeline_and_figures() {
        let pm = PostMortem {
            title: Some("Queue outage".into()),
            follow_ups: vec![FollowUp {
                title: "Add a lag alert".into(),
                owner: Some("@kim".into()),
                done: true,
                issue: Some("#12".into()),
                ..FollowUp::default()
            }],
            figures: super::super::Figures {
                time_to_resolve_minutes: Some(92),
            },
            ..PostMortem::default()
        };
        let text = render_text(&pm);
        assert!(text.starts_with("Queue outage\n"));
        assert!(text.contains("Title"));
        let row = text
            .lines()
            .find(|l| l.contains("Add a lag alert"))
            .expect("row");
        assert!(row.contains("@kim") && row.contains("yes") && row.contains("#12"));
        assert!(text.contains("time to resolve: 92 min (1h 32m)"));
    }
}
