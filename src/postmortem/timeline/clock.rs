//! `LEADING_TIME` read by hand, for text its ASCII twin applies to: every part of the pattern is
//! either a fixed run of digits and separators or an optional group whose first character
//! settles whether it is taken, so one forward pass with no backtracking finds the same match
//! as the leftmost-first regex search, without the cost of running an automaton per line.

use crate::postmortem::twin::{is_space_byte, skip_space_bytes};
use crate::postmortem::wordkeys::Initials;

/// The time zones `TIME` accepts after a time, in the pattern's order (no one is a prefix of a
/// later one, so the first that matches is the pattern's choice).
const ZONES: [&str; 12] = [
    "UTC", "GMT", "PST", "PDT", "CET", "CEST", "EST", "EDT", "IST", "GST", "BST", "Z",
];

const ZONE_INITIALS: Initials = Initials::of(&ZONES);

const EN_DASH: &[u8] = "–".as_bytes();
const EM_DASH: &[u8] = "—".as_bytes();

/// Where `at` starts and ends and where the whole `LEADING_TIME` match ends, for ASCII-twin
/// text: `^[\s\[(*_]*(?P<at>TIME)(?:\s*[-–]\s*TIME)?[\s\])*_]*(?:[-–—:|]+\s*)?`, case-insensitive.
pub(super) fn leading(b: &[u8]) -> Option<(usize, usize, usize)> {
    let mut at_start = 0;
    while b
        .get(at_start)
        .is_some_and(|&c| is_space_byte(c) || matches!(c, b'[' | b'(' | b'*' | b'_'))
    {
        at_start += 1;
    }
    let at_end = time(b, at_start)?;

    let mut end = at_end;
    // A range: "14:03 - 14:20".
    let dash = skip_space_bytes(b, end);
    let after_dash = if b.get(dash) == Some(&b'-') {
        Some(dash + 1)
    } else {
        b[dash..]
            .starts_with(EN_DASH)
            .then_some(dash + EN_DASH.len())
    };
    if let Some(after_dash) = after_dash
        && let Some(range_end) = time(b, skip_space_bytes(b, after_dash))
    {
        end = range_end;
    }
    while b
        .get(end)
        .is_some_and(|&c| is_space_byte(c) || matches!(c, b']' | b')' | b'*' | b'_'))
    {
        end += 1;
    }
    let mut separators = end;
    loop {
        if b.get(separators)
            .is_some_and(|&c| matches!(c, b'-' | b':' | b'|'))
        {
            separators += 1;
        } else if b[separators..].starts_with(EN_DASH) || b[separators..].starts_with(EM_DASH) {
            separators += EN_DASH.len();
        } else {
            break;
        }
    }
    if separators > end {
        end = skip_space_bytes(b, separators);
    }
    Some((at_start, at_end, end))
}

/// `TIME` at `i`, zone included: its end.
fn time(b: &[u8], i: usize) -> Option<usize> {
    let end = date_and_time(b, i)
        .or_else(|| month_day_and_time(b, i))
        .or_else(|| clock(b, i).map(|end| meridiem(b, end)))
        .or_else(|| hour_and_meridiem(b, i))?;
    let zone_start = skip_space_bytes(b, end);
    let rest = &b[zone_start..];
    // Most times are followed by a separator or a word no zone opens: the zones are only
    // compared after a letter one of them opens with.
    if !rest.first().is_some_and(|&c| ZONE_INITIALS.has(c)) {
        return Some(end);
    }
    Some(
        ZONES
            .iter()
            .find(|z| {
                rest.get(..z.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(z.as_bytes()))
            })
            .map_or(end, |z| zone_start + z.len()),
    )
}

/// `\d{4}-\d{2}-\d{2}(?:[ T]+\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?`
fn date_and_time(b: &[u8], i: usize) -> Option<usize> {
    let date = digits(b, i, 4) == 4
        && b.get(i + 4) == Some(&b'-')
        && digits(b, i + 5, 2) == 2
        && b.get(i + 7) == Some(&b'-')
        && digits(b, i + 8, 2) == 2;
    if !date {
        return None;
    }
    let end = i + 10;
    let mut t = end;
    while b
        .get(t)
        .is_some_and(|&c| c == b' ' || c.eq_ignore_ascii_case(&b't'))
    {
        t += 1;
    }
    Some(match clock(b, t) {
        Some(clock_end) if t > end => meridiem(b, clock_end),
        _ => end,
    })
}

/// `\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}`
fn month_day_and_time(b: &[u8], i: usize) -> Option<usize> {
    let month = digits(b, i, 2);
    let dash = i + month;
    if month == 0 || b.get(dash) != Some(&b'-') {
        return None;
    }
    let day = digits(b, dash + 1, 2);
    let space = dash + 1 + day;
    let hour_at = skip_space_bytes(b, space);
    if day == 0 || hour_at == space {
        return None;
    }
    let hour = digits(b, hour_at, 2);
    let colon = hour_at + hour;
    (hour > 0 && b.get(colon) == Some(&b':') && digits(b, colon + 1, 2) == 2).then_some(colon + 3)
}

/// `\d{1,2}[:.]\d{2}(?::\d{2})?`
fn clock(b: &[u8], i: usize) -> Option<usize> {
    let hour = digits(b, i, 2);
    let sep = i + hour;
    if hour == 0
        || !b.get(sep).is_some_and(|&c| c == b':' || c == b'.')
        || digits(b, sep + 1, 2) != 2
    {
        return None;
    }
    let end = sep + 3;
    Some(if b.get(end) == Some(&b':') && digits(b, end + 1, 2) == 2 {
        end + 3
    } else {
        end
    })
}

/// `(?:\s*[ap]\.?m\.?)?` after `i`: where it ends (`i` when absent).
fn meridiem(b: &[u8], i: usize) -> usize {
    let mut j = skip_space_bytes(b, i);
    if !b
        .get(j)
        .is_some_and(|c| matches!(c.to_ascii_lowercase(), b'a' | b'p'))
    {
        return i;
    }
    j += 1;
    if b.get(j) == Some(&b'.') {
        j += 1;
    }
    if !b.get(j).is_some_and(|c| c.eq_ignore_ascii_case(&b'm')) {
        return i;
    }
    j += 1;
    if b.get(j) == Some(&b'.') {
        j += 1;
    }
    j
}

/// `\d{1,2}\s*[ap]m`
fn hour_and_meridiem(b: &[u8], i: usize) -> Option<usize> {
    let hour = digits(b, i, 2);
    let j = skip_space_bytes(b, i + hour);
    let is_meridiem = hour > 0
        && b.get(j)
            .is_some_and(|c| matches!(c.to_ascii_lowercase(), b'a' | b'p'))
        && b.get(j + 1).is_some_and(|c| c.eq_ignore_ascii_case(&b'm'));
    is_meridiem.then_some(j + 2)
}

/// How many ASCII digits (at most `max`) open `b[i..]`.
fn digits(b: &[u8], i: usize, max: usize) -> usize {
    b.get(i..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|c| c.is_ascii_digit())
        .count()
}
