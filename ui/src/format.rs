//! How values are shown: times, ids, progress lines, fees. Pure functions
//! (apart from [`local_time`], which asks the browser for the local time
//! zone), unit-tested on the host.

use accord_desktop_api::ProgressEvent;

/// `secs` (seconds since the Unix epoch) as a local date-time string,
/// `2025-03-01 14:05:09`, in the browser's time zone.
pub fn local_time(secs: i64) -> String {
    // An f64 holds every millisecond count a wallet will ever see exactly.
    #[allow(clippy::cast_precision_loss)]
    let millis = secs as f64 * 1000.0;
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
    if date.get_time().is_nan() {
        return format!("{secs} (invalid time)");
    }
    date_time(
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds(),
    )
}

/// `2025-03-01 14:05:09` from its parts (`month` from 1).
pub fn date_time(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> String {
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
}

/// An optional time, or `never`.
pub fn maybe_time(secs: Option<i64>) -> String {
    secs.map_or_else(|| "never".to_owned(), local_time)
}

/// A long id cut to its first 8 and last 4 characters (`3f9a0c1b…77e2`);
/// ids of 14 characters or fewer are shown whole.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 14 {
        return id.to_owned();
    }
    let head: String = chars.iter().take(8).collect();
    let tail: String = chars.iter().skip(chars.len() - 4).collect();
    format!("{head}…{tail}")
}

/// One party's line in a progress list: `phone: joined — ready`, or
/// `phone: joined` when there is no detail.
pub fn progress_line(event: &ProgressEvent) -> String {
    if event.detail.trim().is_empty() {
        format!("{}: {}", event.name, event.state)
    } else {
        format!("{}: {} — {}", event.name, event.state, event.detail)
    }
}

/// Keeps only the latest event per party, ordered by party id.
pub fn merge_progress(list: &mut Vec<ProgressEvent>, event: ProgressEvent) {
    match list.binary_search_by_key(&event.party, |e| e.party) {
        Ok(at) => {
            if let Some(slot) = list.get_mut(at) {
                *slot = event;
            }
        }
        Err(at) => list.insert(at, event),
    }
}

/// The fee, `max 0.000021 ETH` when it is a maximum.
pub fn fee_text(fee: &str, is_maximum: bool) -> String {
    if is_maximum {
        format!("max {fee}")
    } else {
        fee.to_owned()
    }
}

/// `t of n`.
pub fn quorum(threshold: u16, parties: u16) -> String {
    format!("{threshold} of {parties}")
}

/// A decoded call: `token.transfer(to=0xab…, amount=5)`.
pub fn call_text(program: &str, function: &str, args: &[(String, String)]) -> String {
    let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{program}.{function}({})", args.join(", "))
}

/// Whether a pairing ticket that expires at `expires_at` is still good
/// at `now` (both seconds since the epoch), with a minute to spare.
pub fn ticket_fresh(expires_at: i64, now: i64) -> bool {
    expires_at.saturating_sub(60) > now
}

/// Seconds since the Unix epoch, from the browser's clock.
pub fn now_secs() -> i64 {
    // Whole seconds; the clock is far from i64's range.
    #[allow(clippy::cast_possible_truncation)]
    let secs = (js_sys::Date::now() / 1000.0) as i64;
    secs
}

/// What is left until `at` from `now`: `in 1 h 02 min`, `in 8 s`, or
/// `now` once it passed.
pub fn countdown(at: u64, now: u64) -> String {
    let left = at.saturating_sub(now);
    if left == 0 {
        return "now".to_owned();
    }
    let (h, m, s) = (left / 3600, left % 3600 / 60, left % 60);
    if h > 0 {
        format!("in {h} h {m:02} min")
    } else if m > 0 {
        format!("in {m} min {s:02} s")
    } else {
        format!("in {s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns() {
        assert_eq!(countdown(100, 100), "now");
        assert_eq!(countdown(100, 200), "now");
        assert_eq!(countdown(108, 100), "in 8 s");
        assert_eq!(countdown(100 + 125, 100), "in 2 min 05 s");
        assert_eq!(countdown(100 + 48 * 3600 + 120, 100), "in 48 h 02 min");
    }
    use accord_desktop_api::ProgressState;

    fn ev(party: u8, state: ProgressState) -> ProgressEvent {
        ProgressEvent {
            party,
            name: format!("p{party}"),
            state,
            detail: String::new(),
        }
    }

    #[test]
    fn date_time_pads() {
        assert_eq!(date_time(2025, 3, 1, 4, 5, 9), "2025-03-01 04:05:09");
        assert_eq!(date_time(1999, 12, 31, 23, 59, 59), "1999-12-31 23:59:59");
    }

    #[test]
    fn short_ids() {
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(short_id("0123456789abcd"), "0123456789abcd");
        assert_eq!(short_id("0123456789abcdef0123"), "01234567…0123");
        // Characters, not bytes: no panic inside a multi-byte character.
        assert_eq!(short_id("ééééééééééééééééé"), "éééééééé…éééé");
    }

    #[test]
    fn progress_lines() {
        let mut e = ev(1, ProgressState::Joined);
        assert_eq!(progress_line(&e), "p1: joined");
        e.detail = "round 2".to_owned();
        assert_eq!(progress_line(&e), "p1: joined — round 2");
    }

    #[test]
    fn merge_keeps_latest_per_party_in_order() {
        let mut list = Vec::new();
        merge_progress(&mut list, ev(2, ProgressState::Invited));
        merge_progress(&mut list, ev(0, ProgressState::Invited));
        merge_progress(&mut list, ev(2, ProgressState::Joined));
        merge_progress(&mut list, ev(1, ProgressState::Pending));
        merge_progress(&mut list, ev(0, ProgressState::Done));
        let seen: Vec<(u8, &str)> = list.iter().map(|e| (e.party, e.state.name())).collect();
        assert_eq!(seen, [(0, "done"), (1, "pending"), (2, "joined")]);
    }

    #[test]
    fn fees_and_quorum() {
        assert_eq!(fee_text("0.1 ETH", true), "max 0.1 ETH");
        assert_eq!(fee_text("500 sat", false), "500 sat");
        assert_eq!(quorum(2, 3), "2 of 3");
    }

    #[test]
    fn calls() {
        let args = [
            ("to".to_owned(), "0xab".to_owned()),
            ("amount".to_owned(), "5".to_owned()),
        ];
        assert_eq!(
            call_text("USDC", "transfer", &args),
            "USDC.transfer(to=0xab, amount=5)"
        );
        assert_eq!(call_text("p", "f", &[]), "p.f()");
    }

    #[test]
    fn ticket_freshness() {
        assert!(ticket_fresh(1000, 900));
        assert!(!ticket_fresh(1000, 950));
        assert!(!ticket_fresh(i64::MIN, 0));
    }
}
