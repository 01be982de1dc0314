//! Timestamps as SQLite keeps them: integer microseconds since the Unix epoch, UTC.
//!
//! Microseconds match PostgreSQL's timestamptz, so both backends round a time the same way.

use chrono::{DateTime, Utc};

use crate::store::{StoreError, StoreResult};

pub(super) fn to_db(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(super) fn opt_to_db(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(to_db)
}

pub(super) fn from_db(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {micros} is out of range")))
}

pub(super) fn opt_from_db(micros: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    micros.map(from_db).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_microsecond_precision() {
        let t = DateTime::parse_from_rfc3339("2025-03-04T05:06:07.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let back = from_db(to_db(t)).unwrap();
        assert_eq!(back.to_rfc3339(), "2025-03-04T05:06:07.123456+00:00");
        assert!(from_db(i64::MAX).is_err());
    }
}
