//! Pure: what a follow-up is owed right now — a nag, the one escalation, or nothing (and why).

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Timelike as _, Utc, Weekday};

use super::schedule::local_day;
use super::settings::ScheduleSettings;
use crate::store::{FollowUpState, TrackedFollowUp};

/// What GitHub says about the follow-up's issue; unknown during a store-only sweep.
#[derive(Debug, Clone, Copy)]
pub struct IssueFacts<'a> {
    pub open: bool,
    pub labels: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NagReason {
    /// No human activity for `quiet_days`.
    Stale {
        quiet_days: i64,
    },
    /// The reminder before the due date.
    DueSoon {
        due: NaiveDate,
    },
    Overdue {
        due: NaiveDate,
        days_late: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nag {
    pub reason: NagReason,
    /// Counts toward `stale.max_nags` (and adds the stale label); a due reminder does not.
    pub counts: bool,
    /// The follow-up's nag count after this one.
    pub nag_count: u32,
}

/// Why nothing is sent now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    NoIssue,
    Closed,
    Exempt(String),
    Snoozed(DateTime<Utc>),
    /// Already escalated; nothing more until a human touches it.
    Escalated,
    /// One message per follow-up per local day.
    NaggedToday,
    /// Owed something, but it is the weekend or outside business hours there.
    QuietHours,
    /// Nothing owed yet.
    NotYet,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Nag(Nag),
    /// Nags ran out: say so once in the tracking issue.
    Escalate,
    Nothing(Why),
}

impl Decision {
    pub fn acts(&self) -> bool {
        !matches!(self, Decision::Nothing(_))
    }
}

/// The due date: the one the document names (`YYYY-MM-DD`), else the priority's default window
/// counted from when the item was first tracked.
pub fn due_date(follow_up: &TrackedFollowUp, settings: &ScheduleSettings) -> Option<NaiveDate> {
    if let Some(due) = follow_up.due.as_deref()
        && let Ok(date) = NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d")
    {
        return Some(date);
    }
    let priority = follow_up.priority.as_deref()?;
    let days = settings
        .due
        .default_days
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(priority))
        .map(|(_, d)| *d)?;
    local_day(follow_up.created_at, settings.quiet.tz())
        .checked_add_days(Days::new(u64::from(days)))
}

/// When the follow-up last saw a human (or was first tracked, if never).
pub fn last_activity(follow_up: &TrackedFollowUp) -> DateTime<Utc> {
    follow_up
        .last_human_activity
        .map_or(follow_up.created_at, |t| t.max(follow_up.created_at))
}

fn is_quiet(settings: &ScheduleSettings, now: DateTime<Utc>) -> bool {
    let local = now.with_timezone(&settings.quiet.tz());
    let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    if settings.quiet.weekends && weekend {
        return true;
    }
    settings
        .quiet
        .business_hours
        .is_some_and(|(start, end)| !(start..end).contains(&local.hour()))
}

/// Decides for one follow-up. `issue` is `None` when GitHub was not asked (a sweep picking
/// candidates); the job asks and decides again before it sends anything.
pub fn decide(
    follow_up: &TrackedFollowUp,
    issue: Option<IssueFacts<'_>>,
    settings: &ScheduleSettings,
    now: DateTime<Utc>,
) -> Decision {
    if follow_up.issue.is_none() {
        return Decision::Nothing(Why::NoIssue);
    }
    if follow_up.state != FollowUpState::Open || issue.is_some_and(|i| !i.open) {
        return Decision::Nothing(Why::Closed);
    }
    if let Some(label) = issue.and_then(|i| {
        i.labels.iter().find(|l| {
            settings
                .exempt_labels
                .iter()
                .any(|e| e.eq_ignore_ascii_case(l))
        })
    }) {
        return Decision::Nothing(Why::Exempt(label.clone()));
    }
    if let Some(until) = follow_up.snoozed_until.filter(|u| *u > now) {
        return Decision::Nothing(Why::Snoozed(until));
    }
    let tz = settings.quiet.tz();
    let today = local_day(now, tz);
    if follow_up
        .last_nag_at
        .is_some_and(|t| local_day(t, tz) >= today)
    {
        return Decision::Nothing(Why::NaggedToday);
    }

    let due = due_date(follow_up, settings);
    let quiet_days = (now - last_activity(follow_up)).num_days();
    let counting = match due {
        Some(due) if today > due => Some(NagReason::Overdue {
            due,
            days_late: (today - due).num_days(),
        }),
        _ if quiet_days >= i64::from(settings.stale.days) => Some(NagReason::Stale { quiet_days }),
        _ => None,
    };
    let decision = match counting {
        Some(reason) => {
            if follow_up.escalated {
                return Decision::Nothing(Why::Escalated);
            }
            let renag_due = follow_up.nag_count == 0
                || follow_up
                    .last_nag_at
                    .is_none_or(|t| (now - t).num_days() >= i64::from(settings.stale.renag_days));
            if !renag_due {
                Decision::Nothing(Why::NotYet)
            } else if follow_up.nag_count < settings.stale.max_nags {
                Decision::Nag(Nag {
                    reason,
                    counts: true,
                    nag_count: follow_up.nag_count + 1,
                })
            } else {
                Decision::Escalate
            }
        }
        None => match due {
            Some(due) if due_soon(follow_up, settings, today, due) => Decision::Nag(Nag {
                reason: NagReason::DueSoon { due },
                counts: false,
                nag_count: follow_up.nag_count,
            }),
            _ => Decision::Nothing(Why::NotYet),
        },
    };
    if decision.acts() && is_quiet(settings, now) {
        return Decision::Nothing(Why::QuietHours);
    }
    decision
}

/// Inside the reminder window and not yet reminded in it.
fn due_soon(
    follow_up: &TrackedFollowUp,
    settings: &ScheduleSettings,
    today: NaiveDate,
    due: NaiveDate,
) -> bool {
    let Some(window_start) = due.checked_sub_days(Days::new(u64::from(settings.due.remind_days)))
    else {
        return false;
    };
    let tz = settings.quiet.tz();
    (window_start..=due).contains(&today)
        && follow_up
            .last_nag_at
            .is_none_or(|t| local_day(t, tz) < window_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::IssueNumber;
    use chrono::{Duration, TimeZone as _};

    /// Monday 2026-11-02 10:00 UTC.
    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()
    }

    fn day(n: i64) -> DateTime<Utc> {
        t0() + Duration::days(n)
    }

    fn item() -> TrackedFollowUp {
        TrackedFollowUp {
            postmortem_id: 1,
            key: "k".into(),
            title: "Add a canary".into(),
            issue: Some(IssueNumber(5)),
            adopted: false,
            state: FollowUpState::Open,
            done_in_doc: false,
            owner: Some("@mona".into()),
            due: None,
            priority: None,
            body_hash: String::new(),
            position: 0,
            last_human_activity: None,
            nag_count: 0,
            last_nag_at: None,
            escalated: false,
            snoozed_until: None,
            created_at: t0(),
            closed_at: None,
        }
    }

    fn s() -> ScheduleSettings {
        ScheduleSettings::default()
    }

    fn nagged(f: &mut TrackedFollowUp, d: &Decision, at: DateTime<Utc>) {
        match d {
            Decision::Nag(n) => {
                f.nag_count = n.nag_count;
                f.last_nag_at = Some(at);
            }
            Decision::Escalate => f.escalated = true,
            Decision::Nothing(_) => {}
        }
    }

    /// Runs a daily sweep for `days` days and lists what happened on which day.
    fn simulate(
        mut f: TrackedFollowUp,
        settings: &ScheduleSettings,
        days: i64,
    ) -> Vec<(i64, String)> {
        let mut log = Vec::new();
        for n in 0..=days {
            let d = decide(&f, None, settings, day(n));
            let what = match &d {
                Decision::Nag(nag) => match nag.reason {
                    NagReason::Stale { .. } => format!("stale#{}", nag.nag_count),
                    NagReason::DueSoon { .. } => "due-soon".to_string(),
                    NagReason::Overdue { .. } => format!("overdue#{}", nag.nag_count),
                },
                Decision::Escalate => "escalate".to_string(),
                Decision::Nothing(_) => continue,
            };
            nagged(&mut f, &d, day(n));
            log.push((n, what));
        }
        log
    }

    #[test]
    fn stale_nags_repeat_then_escalate_once() {
        let log = simulate(item(), &s(), 60);
        let expected: Vec<(i64, String)> = vec![
            (14, "stale#1".into()),
            (21, "stale#2".into()),
            (28, "stale#3".into()),
            (35, "escalate".into()),
        ];
        assert_eq!(log, expected);
    }

    #[test]
    fn nothing_before_stale_days_and_nothing_twice_a_day() {
        let f = item();
        assert_eq!(
            decide(&f, None, &s(), day(14) - Duration::seconds(1)),
            Decision::Nothing(Why::NotYet)
        );
        let mut f = item();
        let d = decide(&f, None, &s(), day(14));
        assert!(matches!(
            d,
            Decision::Nag(Nag {
                counts: true,
                nag_count: 1,
                ..
            })
        ));
        nagged(&mut f, &d, day(14));
        assert_eq!(
            decide(&f, None, &s(), day(14) + Duration::hours(13)),
            Decision::Nothing(Why::NaggedToday)
        );
    }

    #[test]
    fn human_activity_restarts_the_clock() {
        let mut f = item();
        f.last_human_activity = Some(day(10));
        assert_eq!(
            decide(&f, None, &s(), day(20)),
            Decision::Nothing(Why::NotYet)
        );
        assert!(decide(&f, None, &s(), day(24)).acts());
    }

    #[test]
    fn closed_exempt_snoozed_and_escalated_items_get_nothing() {
        let mut f = item();
        f.state = FollowUpState::Closed;
        assert_eq!(
            decide(&f, None, &s(), day(30)),
            Decision::Nothing(Why::Closed)
        );
        let f = item();
        let closed_on_github = IssueFacts {
            open: false,
            labels: &[],
        };
        assert_eq!(
            decide(&f, Some(closed_on_github), &s(), day(30)),
            Decision::Nothing(Why::Closed)
        );
        let labels = vec!["bug".to_string(), "No-Nag".to_string()];
        assert_eq!(
            decide(
                &f,
                Some(IssueFacts {
                    open: true,
                    labels: &labels
                }),
                &s(),
                day(30)
            ),
            Decision::Nothing(Why::Exempt("No-Nag".into()))
        );
        let mut f = item();
        f.snoozed_until = Some(day(40));
        assert_eq!(
            decide(&f, None, &s(), day(30)),
            Decision::Nothing(Why::Snoozed(day(40)))
        );
        assert!(decide(&f, None, &s(), day(40)).acts(), "a snooze ends");
        let mut f = item();
        f.nag_count = 3;
        f.escalated = true;
        f.last_nag_at = Some(day(20));
        assert_eq!(
            decide(&f, None, &s(), day(60)),
            Decision::Nothing(Why::Escalated)
        );
        let mut f = item();
        f.issue = None;
        assert_eq!(
            decide(&f, None, &s(), day(60)),
            Decision::Nothing(Why::NoIssue)
        );
    }

    #[test]
    fn due_items_are_reminded_before_and_nagged_after() {
        let mut f = item();
        f.due = Some("2026-11-10".into()); // day 8
        f.last_human_activity = Some(day(0));
        let log = simulate(f, &s(), 30);
        let expected: Vec<(i64, String)> = vec![
            (6, "due-soon".into()),
            (9, "overdue#1".into()),
            (16, "overdue#2".into()),
            (23, "overdue#3".into()),
            (30, "escalate".into()),
        ];
        assert_eq!(log, expected);
    }

    #[test]
    fn priorities_give_a_default_due_window() {
        let mut settings = s();
        settings.due.default_days.insert("P1".into(), 28);
        let mut f = item();
        f.priority = Some("p1".into());
        assert_eq!(
            due_date(&f, &settings),
            NaiveDate::from_ymd_opt(2026, 11, 30)
        );
        f.due = Some("2026-12-24".into());
        assert_eq!(
            due_date(&f, &settings),
            NaiveDate::from_ymd_opt(2026, 12, 24)
        );
        f.due = Some("next sprint".into());
        f.priority = Some("P3".into());
        assert_eq!(due_date(&f, &settings), None);
    }

    #[test]
    fn weekends_and_business_hours_hold_nags_in_the_repository_timezone() {
        let mut settings = s();
        settings.quiet.weekends = true;
        settings.quiet.business_hours = Some((9, 17));
        settings.quiet.timezone = Some(chrono_tz::America::New_York);
        let f = item();
        // Day 19 is Saturday 2026-11-21.
        assert_eq!(
            decide(&f, None, &settings, day(19)),
            Decision::Nothing(Why::QuietHours)
        );
        // Monday 10:00 UTC is 05:00 in New York: too early.
        assert_eq!(
            decide(&f, None, &settings, day(21)),
            Decision::Nothing(Why::QuietHours)
        );
        assert!(decide(&f, None, &settings, day(21) + Duration::hours(5)).acts());
    }
}
