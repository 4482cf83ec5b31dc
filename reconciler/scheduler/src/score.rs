//! Pacemaker's score arithmetic: saturating at +/- 1,000,000 with -INFINITY dominating, and the
//! natural node-name order every "for each node" loop uses.

use std::cmp::Ordering;

/// `INFINITY` as an integer.
pub const INF: i64 = 1_000_000;

/// `pcmk__add_scores`: -INF wins over everything, then +INF, else a clamped sum.
pub fn add(a: i64, b: i64) -> i64 {
    if a <= -INF || b <= -INF {
        -INF
    } else if a >= INF || b >= INF {
        INF
    } else {
        (a + b).clamp(-INF, INF)
    }
}

/// `char2score`: `INFINITY`/`+INFINITY`/`-INFINITY`, else the leading integer (`1.0` -> 1, no
/// digits -> 0), clamped.
pub fn parse(s: &str) -> i64 {
    let t = s.trim();
    match t {
        "INFINITY" | "+INFINITY" => return INF,
        "-INFINITY" => return -INF,
        _ => {}
    }
    let bytes = t.as_bytes();
    let mut i = 0;
    let neg = match bytes.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        v = v
            .saturating_mul(10)
            .saturating_add(i64::from(bytes[i] - b'0'));
        i += 1;
    }
    if neg {
        v = -v;
    }
    v.clamp(-INF, INF)
}

/// Prints a score as Pacemaker does.
pub fn show(v: i64) -> String {
    if v >= INF {
        "INFINITY".into()
    } else if v <= -INF {
        "-INFINITY".into()
    } else {
        v.to_string()
    }
}

/// `pe__cmp_node_name`: case-insensitive, runs of digits compared as numbers (`node9 < node10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let na = std::str::from_utf8(&a[si..i])
                .unwrap_or("0")
                .trim_start_matches('0');
            let nb = std::str::from_utf8(&b[sj..j])
                .unwrap_or("0")
                .trim_start_matches('0');
            let o = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if o != Ordering::Equal {
                return o;
            }
        } else {
            let o = a[i].to_ascii_lowercase().cmp(&b[j].to_ascii_lowercase());
            if o != Ordering::Equal {
                return o;
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

/// Parses an interval or duration (`60`, `60s`, `2m`, `1min`, `1h`, `500ms`, `PT1M`) into
/// milliseconds; `None` when it is not one.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let t = s.trim();
    if let Some(iso) = t.strip_prefix("PT").or_else(|| t.strip_prefix("P")) {
        let mut total = 0u64;
        let mut num = String::new();
        for c in iso.chars() {
            if c.is_ascii_digit() {
                num.push(c);
            } else {
                let n: u64 = num.parse().ok()?;
                num.clear();
                total += match c {
                    'H' => n * 3_600_000,
                    'M' => n * 60_000,
                    'S' => n * 1000,
                    'D' => n * 86_400_000,
                    'T' => 0,
                    _ => return None,
                };
            }
        }
        return Some(total);
    }
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let unit = t[digits.len()..].trim();
    Some(match unit {
        "" | "s" | "sec" | "secs" => n * 1000,
        "ms" | "msec" | "msecs" => n,
        "us" | "usec" | "usecs" => n / 1000,
        "m" | "min" | "mins" => n * 60_000,
        "h" | "hr" | "hrs" => n * 3_600_000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minus_infinity_dominates() {
        assert_eq!(add(INF, -INF), -INF);
        assert_eq!(add(-INF, INF), -INF);
        assert_eq!(add(INF, 5), INF);
        assert_eq!(add(999_999, 5), INF);
        assert_eq!(add(-999_999, -5), -INF);
        assert_eq!(add(3, 4), 7);
    }

    #[test]
    fn scores_parse_like_char2score() {
        assert_eq!(parse("INFINITY"), INF);
        assert_eq!(parse("+INFINITY"), INF);
        assert_eq!(parse("-INFINITY"), -INF);
        assert_eq!(parse("1.0"), 1);
        assert_eq!(parse("abc"), 0);
        assert_eq!(parse("-20"), -20);
        assert_eq!(parse("5000000"), INF);
        assert_eq!(show(INF), "INFINITY");
        assert_eq!(show(-INF), "-INFINITY");
    }

    #[test]
    fn node_names_sort_naturally() {
        let mut v = vec!["node10", "node9", "Node2", "node1"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["node1", "Node2", "node9", "node10"]);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("60s"), Some(60_000));
        assert_eq!(parse_duration_ms("10"), Some(10_000));
        assert_eq!(parse_duration_ms("2min"), Some(120_000));
        assert_eq!(parse_duration_ms("PT1M"), Some(60_000));
        assert_eq!(parse_duration_ms("x"), None);
    }
}
