//! The generic `corosync.conf` tree: parsed exactly as Corosync 3.1's `exec/coroparse.c` reads the
//! file, and written back in the layout pcs writes.
//!
//! This follows Corosync 3.1.7 (Debian 12's package, and the `corosync -t` the tests run), line
//! by line (a line is at most [`LINE_BYTES_MAX`] bytes):
//! - trailing `\n`, then one `\r`, then spaces and tabs are removed;
//! - a line whose first non-blank character is `#` is a comment, and a blank line is skipped
//!   (a `#` later in a line is part of the value);
//! - a line containing `{` opens a section: the name is what comes before the first `{`
//!   (trimmed, trailing `:` and `{` removed), and nothing may follow the brace;
//! - otherwise a line containing `:` is an item: the key is what comes before the first `:`, the
//!   value everything after it, trimmed (so `key:value`, `key : value` and `key: a:b` all work);
//! - otherwise a line containing `}` must be exactly `}` and closes the innermost section;
//! - anything else is an error, as are a `}` with no open section and a section still open at the
//!   end of the file;
//! - a key's full dotted path (`totem.interface.linknumber`) is 3 to 255 bytes of
//!   `A-Z a-z 0-9 . _ - / :`, as Corosync's cmap stores it; an empty key inside a section is
//!   therefore accepted (its path is `section.`).
//!
//! Later Corosync releases differ in two corners: 3.1.8 also treats a no-break space (byte 0xA0)
//! as blank, and 3.1.10 refuses an empty key ("Key name can't be empty").

use std::fmt;

/// The longest line Corosync reads (its buffer is 512 bytes with the `\n` and the final NUL).
pub const LINE_BYTES_MAX: usize = 510;

/// The longest dotted key path (`ICMAP_KEYNAME_MAXLEN`).
pub const KEY_PATH_BYTES_MAX: usize = 255;

/// The shortest dotted key path (`ICMAP_KEYNAME_MINLEN`).
pub const KEY_PATH_BYTES_MIN: usize = 3;

/// A parsed `corosync.conf`: the top-level entries in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfTree {
    /// Top-level items and sections in file order.
    pub entries: Vec<Entry>,
}

/// One entry of a section: a `key: value` item or a nested section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `key: value`.
    Item(Item),
    /// `name { ... }`.
    Section(Section),
}

/// A `key: value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The key, trimmed.
    pub key: String,
    /// The value, trimmed; may be empty.
    pub value: String,
    /// 1-based line number (0 for items built in memory).
    pub line: usize,
}

/// A `name { ... }` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The section name.
    pub name: String,
    /// 1-based line of the opening brace (0 for sections built in memory).
    pub line: usize,
    /// Items and subsections in file order.
    pub entries: Vec<Entry>,
}

/// Why Corosync would refuse the file's syntax. The messages are Corosync's own.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SyntaxError {
    /// 1-based line number, as Corosync reports it.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Item {
    /// An item built in memory.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Item {
        Item {
            key: key.into(),
            value: value.into(),
            line: 0,
        }
    }
}

impl Section {
    /// An empty section built in memory.
    pub fn new(name: impl Into<String>) -> Section {
        Section {
            name: name.into(),
            line: 0,
            entries: Vec::new(),
        }
    }

    /// Appends `key: value`.
    pub fn item(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Section {
        self.entries.push(Entry::Item(Item::new(key, value)));
        self
    }

    /// Appends a subsection.
    pub fn section(&mut self, s: Section) -> &mut Section {
        self.entries.push(Entry::Section(s));
        self
    }

    /// The items of this section, in order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Item(i) => Some(i),
            Entry::Section(_) => None,
        })
    }

    /// The subsections of this section, in order.
    pub fn sections(&self) -> impl Iterator<Item = &Section> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Section(s) => Some(s),
            Entry::Item(_) => None,
        })
    }

    /// The subsections of this section, in order, mutably.
    pub fn sections_mut(&mut self) -> impl Iterator<Item = &mut Section> {
        self.entries.iter_mut().filter_map(|e| match e {
            Entry::Section(s) => Some(s),
            Entry::Item(_) => None,
        })
    }

    /// The items of this section, in order, mutably.
    pub fn items_mut(&mut self) -> impl Iterator<Item = &mut Item> {
        self.entries.iter_mut().filter_map(|e| match e {
            Entry::Item(i) => Some(i),
            Entry::Section(_) => None,
        })
    }
}

impl ConfTree {
    /// The top-level sections named `name`, in order (Corosync merges repeated ones).
    pub fn sections_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Section> {
        self.entries.iter().filter_map(move |e| match e {
            Entry::Section(s) if s.name == name => Some(s),
            _ => None,
        })
    }

    /// The top-level sections, mutably.
    pub fn sections_mut(&mut self) -> impl Iterator<Item = &mut Section> {
        self.entries.iter_mut().filter_map(|e| match e {
            Entry::Section(s) => Some(s),
            Entry::Item(_) => None,
        })
    }

    /// Writes the tree in pcs's layout: four spaces of indent per level, a section's items
    /// before its subsections, a blank line between the items and the first subsection and
    /// between sibling sections. Items written before a section in the tree keep their order;
    /// an item written after a subsection moves before it (Corosync does not care about that
    /// order). Line breaks inside keys or values become spaces, since the format has no escape.
    /// What [`parse`] reads, this writes so that [`parse`] reads it back the same.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        write_entries(&mut out, &self.entries, 0);
        out
    }
}

impl fmt::Display for ConfTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A key, name or value as one line: a line break becomes a space (the format has no escape),
/// and outer blanks go, as the reader drops them.
fn one_line(s: &str) -> String {
    s.replace('\n', " ").trim_matches(is_blank).to_string()
}

fn write_entries(out: &mut String, entries: &[Entry], depth: usize) {
    let indent = "    ".repeat(depth);
    let mut items = 0;
    for e in entries {
        if let Entry::Item(i) = e {
            out.push_str(&indent);
            let key = one_line(&i.key);
            // Corosync reads `: v` as the key `:` (it never strips a key's first character),
            // `:v` as the empty key, and `:: v` as the empty key with the value `: v`.
            match key.as_str() {
                ":" => out.push_str(": "),
                "" => out.push(':'),
                _ => {
                    out.push_str(&key);
                    out.push_str(": ");
                }
            }
            let value = one_line(&i.value);
            out.push_str(&value);
            // The reader drops one `\r` before the line end: keep a value's own.
            if value.ends_with('\r') {
                out.push('\r');
            }
            out.push('\n');
            items += 1;
        }
    }
    let mut first = true;
    for e in entries {
        if let Entry::Section(s) = e {
            if items > 0 || !first {
                out.push('\n');
            }
            first = false;
            out.push_str(&indent);
            out.push_str(&one_line(&s.name));
            out.push_str(" {\n");
            write_entries(out, &s.entries, depth + 1);
            out.push_str(&indent);
            out.push_str("}\n");
        }
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':')
}

/// Corosync's `remove_whitespace(s, 1)`: leading blanks go; trailing blanks, colons and braces
/// go too, but never the first remaining character.
fn trim_name(s: &str) -> &str {
    let s = s.trim_start_matches(is_blank);
    match s.char_indices().nth(1) {
        Some((second, _)) => {
            let kept = s[second..].trim_end_matches(|c| is_blank(c) || c == ':' || c == '{');
            &s[..second + kept.len()]
        }
        None => s,
    }
}

/// Splits `line` at the first `sep` the way Corosync's `strchr_rs` and the `*(loc-1) = '\0'`
/// that follows do: the part before ends one character before the first non-blank after `sep`
/// (so it may keep `sep` and blanks, which [`trim_name`] removes), the part after starts there.
fn split_at_sep(line: &str, sep: char) -> Option<(&str, &str)> {
    let at = line.find(sep)?;
    let after = &line[at + sep.len_utf8()..];
    let skipped = after.len() - after.trim_start_matches(is_blank).len();
    let loc = at + sep.len_utf8() + skipped;
    let before_end = line[..loc].char_indices().next_back().map_or(0, |(i, _)| i);
    Some((&line[..before_end], &line[loc..]))
}

fn full_len(parent: usize, depth: usize, name: &str) -> usize {
    if depth == 0 {
        name.len()
    } else {
        parent + 1 + name.len()
    }
}

/// Parses `corosync.conf` text as Corosync 3.1 does. Never panics; the first syntax error stops
/// the parse, as in Corosync.
pub fn parse(text: &str) -> Result<ConfTree, SyntaxError> {
    parse_bytes(text.as_bytes())
}

/// [`parse`] for a file's raw bytes, as Corosync reads them (it does not care about encodings):
/// line limits count bytes, and keys, names and values that are not UTF-8 are kept with
/// U+FFFD in place of the invalid bytes.
pub fn parse_bytes(text: &[u8]) -> Result<ConfTree, SyntaxError> {
    // The stack of open sections, each with the byte length of its dotted path; the bottom one
    // is the root.
    let mut stack: Vec<(Section, usize)> = vec![(Section::new(""), 0)];
    let mut line_no = 0;
    let err = |line: usize, message: &str| SyntaxError {
        line,
        message: message.to_string(),
    };
    // Corosync reads with `fgets` into 512 bytes: a chunk ends after a newline, after 511
    // bytes, or at the end of the file, and each chunk counts as a line.
    let mut rest = text;
    while !rest.is_empty() {
        line_no += 1;
        let max = rest.len().min(LINE_BYTES_MAX + 1);
        let end = rest[..max]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(max, |i| i + 1);
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        let at_eof = !chunk.ends_with(b"\n") && chunk.len() <= LINE_BYTES_MAX && rest.is_empty();
        // The C string ends at the first NUL.
        let mut cstr = &chunk[..chunk.iter().position(|&b| b == 0).unwrap_or(chunk.len())];
        if let Some(&last) = cstr.last() {
            if last != b'\n' && !at_eof {
                return Err(err(line_no, "Line too long"));
            }
        }
        cstr = cstr.strip_suffix(b"\n").unwrap_or(cstr);
        let raw = String::from_utf8_lossy(cstr);
        let raw = raw.as_ref();
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let line = line.trim_end_matches(is_blank);
        let body = line.trim_start_matches(is_blank);
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let depth = stack.len() - 1;
        let parent_len = stack.last().map_or(0, |(_, l)| *l);
        if let Some((before, after)) = split_at_sep(line, '{') {
            let name = trim_name(before);
            if name.is_empty() {
                return Err(err(
                    line_no,
                    "Missing section name before opening bracket '{'",
                ));
            }
            if !after.is_empty() {
                return Err(err(line_no, "Extra characters after opening bracket '{'"));
            }
            let len = full_len(parent_len, depth, name);
            if parent_len + name.len() + 1 >= KEY_PATH_BYTES_MAX {
                return Err(err(
                    line_no,
                    "Start of section makes total cmap path too long",
                ));
            }
            let mut s = Section::new(name);
            s.line = line_no;
            stack.push((s, len));
            continue;
        }
        if let Some((before, value)) = split_at_sep(line, ':') {
            let key = trim_name(before);
            let len = full_len(parent_len, depth, key);
            if parent_len + key.len() + 1 >= KEY_PATH_BYTES_MAX {
                return Err(err(line_no, "New key makes total cmap path too long"));
            }
            let names_ok = key.chars().all(is_key_char)
                && stack
                    .iter()
                    .skip(1)
                    .all(|(s, _)| s.name.chars().all(is_key_char));
            if !names_ok || len < KEY_PATH_BYTES_MIN {
                let mut path: Vec<&str> =
                    stack.iter().skip(1).map(|(s, _)| s.name.as_str()).collect();
                path.push(key);
                return Err(SyntaxError {
                    line: line_no,
                    message: format!(
                        "Can't store key \"{}\" into icmap, returned error is CS_ERR_NAME_TOO_LONG",
                        path.join(".")
                    ),
                });
            }
            let item = Item {
                key: key.to_string(),
                value: value.to_string(),
                line: line_no,
            };
            if let Some((top, _)) = stack.last_mut() {
                top.entries.push(Entry::Item(item));
            }
            continue;
        }
        if line.contains('}') {
            if body != "}" {
                return Err(err(
                    line_no,
                    "Extra characters before or after closing bracket '}'",
                ));
            }
            if depth == 0 {
                return Err(err(line_no, "Unexpected closing brace"));
            }
            if let Some((done, _)) = stack.pop() {
                if let Some((parent, _)) = stack.last_mut() {
                    parent.entries.push(Entry::Section(done));
                }
            }
            continue;
        }
        return Err(err(
            line_no,
            "Line is not opening or closing section or key value",
        ));
    }
    if stack.len() > 1 {
        return Err(err(line_no, "Missing closing brace"));
    }
    let entries = stack
        .pop()
        .map(|(root, _)| root.entries)
        .unwrap_or_default();
    Ok(ConfTree { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &Section) -> Vec<(&str, &str)> {
        s.items()
            .map(|i| (i.key.as_str(), i.value.as_str()))
            .collect()
    }

    fn err_of(text: &str) -> (usize, String) {
        let e = parse(text).expect_err("a syntax error");
        (e.line, e.message)
    }

    #[test]
    fn keys_values_and_spacing_variants() {
        let t = parse(
            "totem {\n  a_key: one\n  b_key:two\n  c_key : three \n\td_key:\t a:b # c \r\n  e_key:\n}\n",
        )
        .expect("parses");
        let totem = t.sections_named("totem").next().expect("totem");
        assert_eq!(totem.line, 1);
        assert_eq!(
            items(totem),
            [
                ("a_key", "one"),
                ("b_key", "two"),
                ("c_key", "three"),
                ("d_key", "a:b # c"),
                ("e_key", "")
            ]
        );
        let lines: Vec<usize> = totem.items().map(|i| i.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
    }

    #[test]
    fn comments_blank_lines_and_repeated_sections() {
        let t = parse(
            "# top\n\n   # indented\nnodelist {\n node {\n  nodeid: 1\n }\n\n node{\n  nodeid: 2\n }\n}\n",
        )
        .expect("parses");
        let nl = t.sections_named("nodelist").next().expect("nodelist");
        let ids: Vec<_> = nl
            .sections()
            .map(|n| (n.name.as_str(), n.line, items(n)[0].1))
            .collect();
        assert_eq!(ids, [("node", 5, "1"), ("node", 9, "2")]);
    }

    #[test]
    fn corosync_error_messages_with_line_numbers() {
        assert_eq!(
            err_of("totem {\n version: 2\n"),
            (2, "Missing closing brace".into())
        );
        assert_eq!(
            err_of("totem {\n}\n}\n"),
            (3, "Unexpected closing brace".into())
        );
        assert_eq!(
            err_of("a\n"),
            (
                1,
                "Line is not opening or closing section or key value".into()
            )
        );
        assert_eq!(
            err_of("totem { x\n}\n"),
            (1, "Extra characters after opening bracket '{'".into())
        );
        assert_eq!(
            err_of("\n {\n}\n"),
            (2, "Missing section name before opening bracket '{'".into())
        );
        assert_eq!(
            err_of("totem {\n } x\n"),
            (
                2,
                "Extra characters before or after closing bracket '}'".into()
            )
        );
        assert_eq!(
            err_of(":v\n"),
            (
                1,
                "Can't store key \"\" into icmap, returned error is CS_ERR_NAME_TOO_LONG".into()
            )
        );
        assert_eq!(err_of("totem {\n bad key: 1\n}\n").0, 2);
        assert_eq!(err_of("ab: 1\n").0, 1);
        assert_eq!(err_of("totem {\n key: a{b\n}\n").0, 2);
    }

    #[test]
    fn line_length_limit_is_corosyncs() {
        let ok = format!("totem {{\n k: {}\n}}\n", "v".repeat(LINE_BYTES_MAX - 4));
        assert!(parse(&ok).is_ok());
        let long = format!("totem {{\n k: {}\n}}\n", "v".repeat(LINE_BYTES_MAX - 3));
        assert_eq!(err_of(&long), (2, "Line too long".into()));
    }

    #[test]
    fn odd_but_accepted_lines_match_corosync() {
        // `: v` keeps `:` as the key (Corosync never strips a key's first character), and a
        // brace-opened name loses trailing colons.
        let t = parse("totem {\n : v\n:w\n}\nquorum: {\n}\n").expect("parses");
        let totem = t.sections_named("totem").next().expect("totem");
        assert_eq!(items(totem), [(":", "v"), ("", "w")]);
        // The writer keeps both odd keys.
        let again = parse(&t.to_text()).expect("reparses");
        let totem = again.sections_named("totem").next().expect("totem");
        assert_eq!(items(totem), [(":", "v"), ("", "w")]);
        assert!(t.sections_named("quorum").next().is_some());
    }

    #[test]
    fn writer_uses_pcs_layout_and_reparses() {
        let mut totem = Section::new("totem");
        totem.item("version", "2");
        let mut iface = Section::new("interface");
        iface.item("linknumber", "0");
        totem.section(iface);
        let mut logging = Section::new("logging");
        logging.item("to_syslog", "yes");
        let tree = ConfTree {
            entries: vec![Entry::Section(totem), Entry::Section(logging)],
        };
        let text = tree.to_text();
        assert_eq!(
            text,
            "totem {\n    version: 2\n\n    interface {\n        linknumber: 0\n    }\n}\n\nlogging {\n    to_syslog: yes\n}\n"
        );
        let back = parse(&text).expect("parses");
        assert_eq!(back.to_text(), text);
    }
}
