//! String literals: single-quoted, double-quoted with expansion, and here-strings.

use super::*;

impl Parser<'_> {
    pub(super) fn single_quoted(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                // Two quotes are one quote (the second, which may be typographic).
                Some(q) if is_single_quote(q) && self.peek().is_some_and(is_single_quote) => {
                    out.extend(self.bump());
                }
                Some(q) if is_single_quote(q) => return Ok(Expr::String(out)),
                Some(c) => out.push(c),
                None => {
                    return Err(ParseError::at(
                        self.src,
                        start,
                        "The string is missing the terminator: '.",
                    ));
                }
            }
        }
    }

    /// `@"` … `"@` and `@'` … `'@`, each delimiter on a line of its own.
    pub(super) fn here_string(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        let quote = self.bump().unwrap_or('"');
        while matches!(self.peek(), Some(' ' | '\t' | '\r')) {
            self.bump();
        }
        if !self.eat('\n') {
            return Err(self.error("No characters are allowed after a here-string header but before the end of the line."));
        }
        let terminator = format!("\n{quote}@");
        let body_start = self.pos;
        let (body, after) = if self.rest().starts_with(&terminator[1..]) {
            (String::new(), body_start + 2)
        } else {
            match self.rest().find(&terminator) {
                Some(i) => (
                    self.src[body_start..body_start + i]
                        .trim_end_matches('\r')
                        .to_string(),
                    body_start + i + terminator.len(),
                ),
                None => {
                    return Err(ParseError::at(
                        self.src,
                        start,
                        format!("The string is missing the terminator: {quote}@."),
                    ));
                }
            }
        };
        self.pos = after;
        if quote == '\'' {
            return Ok(Expr::String(body));
        }
        // Expand like a double-quoted string (quotes inside need no doubling).
        let mut inner = Parser {
            src: &body,
            pos: 0,
            no_comma: false,
        };
        inner
            .expandable_body(None)
            .map_err(|e| ParseError::at(self.src, start, e.message))
    }

    pub(super) fn double_quoted(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        self.expandable_body(Some(start))
    }

    /// The parts of an expandable string up to `"` (or the end, for here-strings).
    pub(super) fn expandable_body(
        &mut self,
        quoted_from: Option<usize>,
    ) -> Result<Expr, ParseError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        loop {
            match self.peek() {
                None if quoted_from.is_none() => break,
                None => {
                    return Err(ParseError::at(
                        self.src,
                        quoted_from.unwrap_or(0),
                        "The string is missing the terminator: \".",
                    ));
                }
                Some(q)
                    if quoted_from.is_some()
                        && is_double_quote(q)
                        && self.peek2().is_some_and(is_double_quote) =>
                {
                    self.bump();
                    literal.extend(self.bump());
                }
                Some(q) if quoted_from.is_some() && is_double_quote(q) => {
                    self.bump();
                    break;
                }
                Some('`') => {
                    self.bump();
                    let c = self.bump().unwrap_or('`');
                    literal.push(match c {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        'a' => '\u{7}',
                        'e' => '\u{1b}',
                        other => other,
                    });
                }
                Some('$') if self.peek2() == Some('(') => {
                    if !literal.is_empty() {
                        parts.push(StringPart::Literal(std::mem::take(&mut literal)));
                    }
                    self.bump();
                    self.bump();
                    let script = self.script(Some(')'))?;
                    self.expect_close(')', "Missing closing ')' in subexpression.")?;
                    parts.push(StringPart::SubExpression(script));
                }
                Some('$')
                    if self
                        .peek2()
                        .is_some_and(|c| is_ident(c) || matches!(c, '{' | '?' | '^')) =>
                {
                    if !literal.is_empty() {
                        parts.push(StringPart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(StringPart::Variable(self.variable_name()?));
                }
                Some(c) => {
                    self.bump();
                    literal.push(c);
                }
            }
        }
        if !literal.is_empty() {
            parts.push(StringPart::Literal(literal));
        }
        Ok(Expr::Expandable(parts))
    }
}
