//! A tiny, byte-stable XML writer: two-space indentation, attributes in the order given,
//! self-closing empty elements, and escaping that survives a round trip through any parser.

use std::fmt::Write as _;

/// Writes an XML document into a string.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    depth: usize,
}

/// Escapes text for an attribute value.
pub fn escape_attr(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c => o.push(c),
        }
    }
    o
}

impl XmlWriter {
    /// A new, empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"{}\"", escape_attr(v));
        }
    }

    /// Opens an element that will have children.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    /// Writes an empty element.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start(name, attrs);
        self.out.push_str("/>\n");
    }

    /// Closes the element opened last.
    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "</{name}>");
    }

    /// The document written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_indents() {
        let mut w = XmlWriter::new();
        w.open("a", &[("x", "1 < 2 & \"q\"")]);
        w.leaf("b", &[("y", "line\nnext")]);
        w.close("a");
        assert_eq!(
            w.finish(),
            "<a x=\"1 &lt; 2 &amp; &quot;q&quot;\">\n  <b y=\"line&#10;next\"/>\n</a>\n"
        );
    }
}
