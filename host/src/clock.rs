//! The current time and the date formats certhost reads, for every layer.

use time::OffsetDateTime;

/// Now, in unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Parses the date formats admins type: `2027-01-01`, `2027-01-01T12:00:00[Z]`,
/// `2027-01-01 12:00`, and US `1/31/2027`. Times without a zone are UTC.
pub fn parse_datetime(text: &str) -> Option<i64> {
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime};
    let t = text.trim();
    if let Ok(dt) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Some(dt.unix_timestamp());
    }
    let t = t.trim_end_matches('Z');
    let with_time = [
        // How certhost (and pwsh, en-US) print dates: `11/22/2026 8:52:16 PM` in a
        // table, `11/22/2026 20:52:16` in a string.
        format_description!(
            "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period]"
        ),
        format_description!(
            "[month padding:none]/[day padding:none]/[year] [hour]:[minute]:[second]"
        ),
        format_description!(
            "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute] [period]"
        ),
        format_description!(
            "[month padding:none]/[day padding:none]/[year] [hour padding:none]:[minute]"
        ),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ];
    for f in with_time {
        if let Ok(dt) = PrimitiveDateTime::parse(t, f) {
            return Some(dt.assume_utc().unix_timestamp());
        }
    }
    let dates = [
        format_description!("[year]-[month]-[day]"),
        format_description!("[month padding:none]/[day padding:none]/[year]"),
        // `1 Jan 1970`, `1 January 1970`, `Jan 1 1970`, `January 1, 1970`.
        format_description!("[day padding:none] [month repr:short case_sensitive:false] [year]"),
        format_description!("[day padding:none] [month repr:long case_sensitive:false] [year]"),
        format_description!("[month repr:short case_sensitive:false] [day padding:none] [year]"),
        format_description!("[month repr:long case_sensitive:false] [day padding:none], [year]"),
        format_description!("[month repr:short case_sensitive:false] [day padding:none], [year]"),
    ];
    for f in dates {
        if let Ok(d) = Date::parse(t, f) {
            return Some(d.midnight().assume_utc().unix_timestamp());
        }
    }
    None
}

/// `11/22/2026 8:52:16 PM`: how PowerShell (en-US) shows a date in a table or list and
/// what `.ToString()` gives (certhost shows times in UTC).
pub fn datetime_short(t: i64) -> String {
    let d = OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (hour, ampm) = twelve_hour(d.hour());
    format!(
        "{}/{}/{:04} {hour}:{:02}:{:02} {ampm}",
        u8::from(d.month()),
        d.day(),
        d.year(),
        d.minute(),
        d.second()
    )
}

/// `11/22/2026 20:52:16`: a date in a string (`"$date"`, `[string]$date`, `-join`),
/// which PowerShell formats with the invariant culture.
pub fn datetime_invariant(t: i64) -> String {
    let d = OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
        u8::from(d.month()),
        d.day(),
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// The hour on a 12-hour clock and `AM`/`PM`.
pub fn twelve_hour(hour: u8) -> (u8, &'static str) {
    match hour {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    }
}
