//! Parse errors with line, column, the source line and a caret.

/// A syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// The offending source line.
    pub source_line: String,
}

impl ParseError {
    pub(super) fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(source.len());
        let before = &source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = source[line_start..offset].chars().count() + 1;
        let source_line = source[line_start..]
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        ParseError {
            line,
            column,
            message: message.into(),
            source_line,
        }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let caret = " ".repeat(self.column.saturating_sub(1));
        write!(
            f,
            "ParserError: line {}, column {}: {}\n{}\n{}^",
            self.line, self.column, self.message, self.source_line, caret
        )
    }
}

impl std::error::Error for ParseError {}
