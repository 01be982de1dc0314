//! The repository settings nags and digests read (`stale`, `due`, `quiet`, `digest`, `budget`),
//! with the defaults of issue 5, ready to be embedded in `.github/postmortem.yml`.

use std::collections::BTreeMap;

use chrono::Weekday;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Everything the nag and digest policies need to know about one repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSettings {
    pub stale: StaleSettings,
    pub due: DueSettings,
    pub quiet: QuietSettings,
    pub digest: DigestSettings,
    pub budget: BudgetSettings,
    /// Labels that keep an issue out of every nag.
    pub exempt_labels: Vec<String>,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            stale: StaleSettings::default(),
            due: DueSettings::default(),
            quiet: QuietSettings::default(),
            digest: DigestSettings::default(),
            budget: BudgetSettings::default(),
            exempt_labels: vec!["no-nag".to_string(), "on-hold".to_string()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaleSettings {
    /// Days without human activity before a follow-up is stale.
    pub days: u32,
    /// Days between two nags on the same follow-up.
    pub renag_days: u32,
    /// Nags before the escalation in the tracking issue.
    pub max_nags: u32,
    /// The label a nag adds and human activity removes.
    pub label: String,
}

impl Default for StaleSettings {
    fn default() -> Self {
        Self {
            days: 14,
            renag_days: 7,
            max_nags: 3,
            label: "stale".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DueSettings {
    /// Days before the due date that the reminder goes out.
    pub remind_days: u32,
    /// A due window by priority (`P1: 28`) for items that name no date, counted from when the
    /// item was first tracked.
    pub default_days: BTreeMap<String, u32>,
}

impl Default for DueSettings {
    fn default() -> Self {
        Self {
            remind_days: 2,
            default_days: BTreeMap::new(),
        }
    }
}

/// When nobody should be pinged, in the repository's timezone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuietSettings {
    /// `None`: the repository's timezone (the settings file's top-level `timezone`, else UTC).
    pub timezone: Option<Tz>,
    /// No nags on Saturdays and Sundays.
    pub weekends: bool,
    /// `[start, end)` local hours when nags may go out; `None`: any hour.
    pub business_hours: Option<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestSettings {
    pub enabled: bool,
    pub day: Weekday,
    /// Local hour (0-23) of `timezone`.
    pub hour: u32,
    /// `None`: the repository's timezone (the settings file's top-level `timezone`, else UTC).
    pub timezone: Option<Tz>,
    /// A week with nothing open posts nothing instead of a one-line digest.
    pub skip_empty: bool,
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            day: Weekday::Mon,
            hour: 9,
            timezone: None,
            skip_empty: false,
        }
    }
}

impl QuietSettings {
    /// The timezone quiet hours, weekends and nag days are counted in.
    pub fn tz(&self) -> Tz {
        self.timezone.unwrap_or(Tz::UTC)
    }
}

impl DigestSettings {
    /// The timezone of `day` and `hour`.
    pub fn tz(&self) -> Tz {
        self.timezone.unwrap_or(Tz::UTC)
    }
}

impl ScheduleSettings {
    /// Gives `quiet` and `digest` the repository's timezone where they name none of their own.
    pub fn with_repository_timezone(mut self, tz: Option<Tz>) -> Self {
        if let Some(tz) = tz {
            self.quiet.timezone.get_or_insert(tz);
            self.digest.timezone.get_or_insert(tz);
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetSettings {
    /// Nags one sweep may queue per installation; the rest wait for the next sweep, oldest first.
    pub nags_per_run: u32,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        Self { nags_per_run: 100 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_document_gives_the_issue_defaults() {
        let s: ScheduleSettings = serde_yaml_ng::from_str("{}").unwrap();
        assert_eq!(s, ScheduleSettings::default());
        assert_eq!(
            (s.stale.days, s.stale.renag_days, s.stale.max_nags),
            (14, 7, 3)
        );
        assert_eq!(s.due.remind_days, 2);
        assert_eq!((s.digest.day, s.digest.hour), (Weekday::Mon, 9));
        assert_eq!(s.digest.tz(), Tz::UTC);
        assert_eq!(s.quiet.tz(), Tz::UTC);
        assert!(s.digest.enabled);
    }

    #[test]
    fn partial_settings_keep_the_other_defaults_and_unknown_keys_fail() {
        let s: ScheduleSettings = serde_yaml_ng::from_str(
            "stale: {days: 5}\ndue: {default_days: {P1: 28, P2: 56}}\n\
             digest: {day: Friday, hour: 16, timezone: Europe/Paris}\n\
             quiet: {weekends: true, business_hours: [9, 18], timezone: America/New_York}\n",
        )
        .unwrap();
        assert_eq!(s.stale.days, 5);
        assert_eq!(s.stale.renag_days, 7);
        assert_eq!(s.due.default_days.get("P2"), Some(&56));
        assert_eq!(s.digest.day, Weekday::Fri);
        assert_eq!(s.digest.tz(), chrono_tz::Europe::Paris);
        assert_eq!(s.quiet.business_hours, Some((9, 18)));
        let s = s.with_repository_timezone(Some(chrono_tz::Asia::Tokyo));
        assert_eq!(
            s.digest.tz(),
            chrono_tz::Europe::Paris,
            "its own timezone wins"
        );
        assert_eq!(s.quiet.tz(), chrono_tz::America::New_York);
        let s = ScheduleSettings::default().with_repository_timezone(Some(chrono_tz::Asia::Tokyo));
        assert_eq!(
            (s.digest.tz(), s.quiet.tz()),
            (chrono_tz::Asia::Tokyo, chrono_tz::Asia::Tokyo)
        );
        assert!(serde_yaml_ng::from_str::<ScheduleSettings>("stale: {dayz: 3}").is_err());
        assert!(
            serde_yaml_ng::from_str::<ScheduleSettings>("digest: {timezone: Mars/Base}").is_err()
        );
    }
}
