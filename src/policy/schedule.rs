//! Calendar arithmetic in a repository's timezone: local days (the nag key), ISO weeks (the digest
//! key) and the latest digest slot at or before `now`.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;

use super::settings::DigestSettings;

/// The calendar day `now` falls on in `tz`.
pub fn local_day(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// `2026-W48`: the ISO week (year of the week, not of the day) holding `day`.
pub fn iso_week(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// The instant `day` at `hour`:00 local time; in a DST gap, the first instant after it.
fn local_instant(day: NaiveDate, hour: u32, tz: Tz) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0)?;
    let naive = day.and_time(time);
    (0..3).find_map(|shift| {
        tz.from_local_datetime(&(naive + chrono::Duration::hours(shift)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// The most recent digest time (`settings.day` at `settings.hour` local) at or before `now`.
pub fn latest_digest_slot(settings: &DigestSettings, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let tz = settings.tz();
    let today = local_day(now, tz);
    let back =
        (7 + today.weekday().num_days_from_monday() - settings.day.num_days_from_monday()) % 7;
    let day = today.checked_sub_days(Days::new(u64::from(back)))?;
    let slot = local_instant(day, settings.hour, tz)?;
    if slot <= now {
        Some(slot)
    } else {
        local_instant(day.checked_sub_days(Days::new(7))?, settings.hour, tz)
    }
}

/// A digest that should exist: the week it covers (its unique key) and when it was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestDue {
    pub week: String,
    pub slot: DateTime<Utc>,
}

/// The digest due for a repository tracked since `tracked_since`: the latest slot at or before
/// `now`, unless digests are off or the repository was not tracked yet at that slot (a repository
/// tracked on a Wednesday waits for the next digest day rather than getting one at once).
///
/// A digest missed while the App was down is still due when it comes back: the caller dedupes by
/// `week`, so it goes out once.
pub fn digest_due(
    settings: &DigestSettings,
    now: DateTime<Utc>,
    tracked_since: DateTime<Utc>,
) -> Option<DigestDue> {
    if !settings.enabled {
        return None;
    }
    let slot = latest_digest_slot(settings, now)?;
    if slot < tracked_since {
        return None;
    }
    Some(DigestDue {
        week: iso_week(local_day(slot, settings.tz())),
        slot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn iso_weeks_belong_to_the_year_of_their_thursday() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(iso_week(d("2026-11-23")), "2026-W48");
        assert_eq!(iso_week(d("2027-01-01")), "2026-W53");
        assert_eq!(iso_week(d("2024-12-30")), "2025-W01");
    }

    #[test]
    fn the_latest_slot_is_this_weeks_once_passed_else_last_weeks() {
        let s = DigestSettings::default(); // Monday 09:00 UTC
        // Monday 2026-11-23.
        assert_eq!(
            latest_digest_slot(&s, at("2026-11-23T08:59:59Z")),
            Some(at("2026-11-16T09:00:00Z"))
        );
        assert_eq!(
            latest_digest_slot(&s, at("2026-11-23T09:00:00Z")),
            Some(at("2026-11-23T09:00:00Z"))
        );
        assert_eq!(
            latest_digest_slot(&s, at("2026-11-29T23:00:00Z")),
            Some(at("2026-11-23T09:00:00Z"))
        );
    }

    #[test]
    fn slots_follow_the_repository_timezone_across_dst() {
        let s = DigestSettings {
            day: Weekday::Fri,
            hour: 16,
            timezone: Some(chrono_tz::Europe::Paris),
            ..DigestSettings::default()
        };
        // Summer time: 16:00 in Paris is 14:00 UTC; winter: 15:00 UTC.
        assert_eq!(
            latest_digest_slot(&s, at("2026-07-10T15:00:00Z")),
            Some(at("2026-07-10T14:00:00Z"))
        );
        assert_eq!(
            latest_digest_slot(&s, at("2026-11-27T15:30:00Z")),
            Some(at("2026-11-27T15:00:00Z"))
        );
        // A Friday evening in Auckland is still Friday morning in UTC: the local day decides.
        let nz = DigestSettings {
            day: Weekday::Sat,
            hour: 8,
            timezone: Some(chrono_tz::Pacific::Auckland),
            ..DigestSettings::default()
        };
        assert_eq!(
            latest_digest_slot(&nz, at("2026-11-27T20:00:00Z")),
            Some(at("2026-11-27T19:00:00Z"))
        );
    }

    #[test]
    fn a_slot_in_a_dst_gap_moves_to_the_first_valid_instant() {
        // 2026-03-29 02:00 does not exist in Paris.
        let s = DigestSettings {
            day: Weekday::Sun,
            hour: 2,
            timezone: Some(chrono_tz::Europe::Paris),
            ..DigestSettings::default()
        };
        assert_eq!(
            latest_digest_slot(&s, at("2026-03-29T12:00:00Z")),
            Some(at("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn a_digest_is_due_from_its_slot_and_not_before_tracking_began() {
        let s = DigestSettings::default();
        let tracked = at("2026-11-01T00:00:00Z");
        let due = digest_due(&s, at("2026-11-25T12:00:00Z"), tracked).unwrap();
        assert_eq!(due.week, "2026-W48");
        assert_eq!(due.slot, at("2026-11-23T09:00:00Z"));
        // Tracked after this week's slot: nothing until next Monday.
        assert_eq!(
            digest_due(&s, at("2026-11-25T12:00:00Z"), at("2026-11-24T00:00:00Z")),
            None
        );
        let off = DigestSettings {
            enabled: false,
            ..s
        };
        assert_eq!(digest_due(&off, at("2026-11-25T12:00:00Z"), tracked), None);
    }
}
