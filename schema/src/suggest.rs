//! "Did you mean" suggestions for misspelt keys, values and references.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
///
/// Names that differ only in case or in `-` versus `_` always match (`stonith_enabled` ->
/// `stonith-enabled`); otherwise the edit distance must be at most a third of the word's length
/// (and at least 1).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let norm = normalize(word);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        if normalize(c) == norm {
            return Some(c);
        }
        let d = edit_distance(&norm, &normalize(c));
        let limit = (word.chars().count() / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_separator_mixups() {
        let keys = ["agent", "params", "ops", "meta"];
        assert_eq!(did_you_mean("agnet", keys), Some("agent"));
        assert_eq!(did_you_mean("param", keys), Some("params"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
        assert_eq!(
            did_you_mean("stonith_enabled", ["stonith-enabled", "stonith-action"]),
            Some("stonith-enabled")
        );
    }

    #[test]
    fn distance_counts_swaps_once() {
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
