//! Source files and spans: where every diagnostic points.

use std::fmt;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A position in a source file: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
}

/// A region of one source file. `start` is where carets point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// The file the region is in.
    pub file: FileId,
    /// First character of the region.
    pub start: Pos,
    /// Position just past the region (same line as `start` for scalars).
    pub end: Pos,
}

impl Span {
    /// A span covering a whole file, used for file-level diagnostics.
    pub fn file_start(file: FileId) -> Span {
        let p = Pos { line: 1, col: 1 };
        Span {
            file,
            start: p,
            end: p,
        }
    }
}

/// One loaded source file: its display path and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as found in a directory), for display.
    pub path: String,
    /// The full text.
    pub text: String,
}

impl SourceFile {
    /// The text of 1-based line `line`, without its line terminator.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        self.text
            .lines()
            .nth(line.checked_sub(1)? as usize)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// All files of one load, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        self.files.push(SourceFile {
            path: path.into(),
            text: text.into(),
        });
        id
    }

    /// The file with id `id`; an empty file named `<generated>` for a document built in memory
    /// (an import), whose diagnostics have no real place.
    pub fn get(&self, id: FileId) -> &SourceFile {
        static GENERATED: SourceFile = SourceFile {
            path: String::new(),
            text: String::new(),
        };
        self.files.get(id.0 as usize).unwrap_or(&GENERATED)
    }

    /// Every file, in load order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// `path:line:col` of a span, as editors and CI annotations expect.
    pub fn location(&self, span: Span) -> Location<'_> {
        let path = &self.get(span.file).path;
        Location {
            path: if path.is_empty() { "<generated>" } else { path },
            pos: span.start,
        }
    }
}

/// A displayable `path:line:col`.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    /// File path.
    pub path: &'a str,
    /// Line and column.
    pub pos: Pos,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.pos.line, self.pos.col)
    }
}
