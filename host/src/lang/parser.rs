//! A hand-written recursive-descent parser for PowerShell, scannerless because
//! PowerShell tokenizes differently in command mode (`Cert:\My -Force`) and expression
//! mode (`$a.Count`).
//!
//! Why hand-written rather than tree-sitter-powershell: the grammar crate is a C library
//! with a parse tree that still needs lowering, it flags valid netsh syntax
//! (`appid="{...}"`) as errors, and PowerShell's error messages (what was expected, at
//! which line and column) come naturally from a descent parser.

use super::ast::*;
use super::error::ParseError;

/// Parses a whole script.
pub fn parse(source: &str) -> Result<Script, ParseError> {
    let mut p = Parser {
        src: source,
        pos: 0,
    };
    let script = p.script(None)?;
    if p.pos < source.len() {
        let c = p.peek().unwrap_or(' ');
        return Err(p.error(format!(
            "Unexpected token '{c}' in expression or statement."
        )));
    }
    Ok(script)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters that end a bareword in command mode.
fn ends_bareword(c: char) -> bool {
    c.is_whitespace() || matches!(c, '|' | ';' | '(' | ')' | '{' | '}' | ',' | '\'' | '"')
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.src, self.pos, message)
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Spaces, tabs, comments and backtick line continuations (not newlines).
    fn skip_inline(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r' | '\u{feff}') => {
                    self.bump();
                }
                Some('`') if matches!(self.peek2(), Some('\n' | '\r')) => {
                    self.bump();
                    self.eat('\r');
                    self.eat('\n');
                }
                Some('<') if self.peek2() == Some('#') => {
                    let start = self.pos;
                    match self.rest().find("#>") {
                        Some(end) => self.pos += end + 2,
                        None => {
                            self.pos = start;
                            return Err(
                                self.error("Missing the terminator '#>' of a block comment.")
                            );
                        }
                    }
                }
                Some('#') => {
                    let len = self.rest().find('\n').unwrap_or(self.rest().len());
                    self.pos += len;
                }
                _ => return Ok(()),
            }
        }
    }

    /// Inline space plus newlines and `;`.
    fn skip_separators(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_inline()?;
            match self.peek() {
                Some('\n' | ';') => {
                    self.bump();
                }
                _ => return Ok(()),
            }
        }
    }

    /// Inline space plus newlines (after `|`, `,`, inside brackets).
    fn skip_newlines(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_inline()?;
            if !self.eat('\n') {
                return Ok(());
            }
        }
    }

    fn script(&mut self, terminator: Option<char>) -> Result<Script, ParseError> {
        let mut statements = Vec::new();
        loop {
            self.skip_separators()?;
            match self.peek() {
                None => break,
                Some(c) if Some(c) == terminator => break,
                Some(c @ (')' | '}')) => {
                    return Err(self.error(format!(
                        "Unexpected token '{c}' in expression or statement."
                    )));
                }
                _ => statements.push(self.statement()?),
            }
            self.skip_inline()?;
            match self.peek() {
                None | Some('\n' | ';') => {}
                Some(c) if Some(c) == terminator => {}
                Some(c) => {
                    return Err(self.error(format!(
                        "Unexpected token '{c}' in expression or statement."
                    )));
                }
            }
        }
        Ok(Script { statements })
    }

    fn statement(&mut self) -> Result<Statement, ParseError> {
        let start = self.pos;
        if self.peek() == Some('$') {
            let name = self.variable_name()?;
            self.skip_inline()?;
            if self.peek() == Some('=') && self.peek2() != Some('=') {
                self.bump();
                self.skip_newlines()?;
                let value = self.pipeline()?;
                return Ok(Statement::Assignment {
                    variable: name,
                    value,
                    span: Span {
                        start,
                        end: self.pos,
                    },
                });
            }
            self.pos = start;
        }
        Ok(Statement::Pipeline(self.pipeline()?))
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let start = self.pos;
        let mut elements = vec![self.element()?];
        loop {
            self.skip_inline()?;
            if !self.eat('|') {
                break;
            }
            self.skip_newlines()?;
            if matches!(self.peek(), None | Some(';' | ')' | '}' | '|')) {
                return Err(self.error("An empty pipe element is not allowed."));
            }
            elements.push(self.element()?);
        }
        Ok(Pipeline {
            elements,
            span: Span {
                start,
                end: self.pos,
            },
        })
    }

    fn element(&mut self) -> Result<PipelineElement, ParseError> {
        match self.peek() {
            Some(c)
                if c.is_alphabetic()
                    || c == '_'
                    || (c == '.' && matches!(self.peek2(), Some('/' | '\\'))) =>
            {
                Ok(PipelineElement::Command(self.command()?))
            }
            Some('&') => {
                self.bump();
                self.skip_inline()?;
                Ok(PipelineElement::Command(self.command()?))
            }
            _ => Ok(PipelineElement::Expression(self.expression()?)),
        }
    }

    fn bareword(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if ends_bareword(c) {
                break;
            }
            self.bump();
        }
        self.src[start..self.pos].to_string()
    }

    fn command(&mut self) -> Result<CommandCall, ParseError> {
        let start = self.pos;
        let name =
            match self.peek() {
                Some('\'' | '"') => match self.arg_primary()? {
                    Expr::String(s) => s,
                    _ => return Err(self.error(
                        "A command name in double quotes with variables needs '&' and parentheses.",
                    )),
                },
                _ => self.bareword(),
            };
        let span = Span {
            start,
            end: self.pos,
        };
        let mut arguments = Vec::new();
        loop {
            self.skip_inline()?;
            match self.peek() {
                None | Some('\n' | ';' | '|' | ')' | '}') => break,
                Some('-')
                    if self
                        .peek2()
                        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '?') =>
                {
                    let pstart = self.pos;
                    self.bump();
                    let nstart = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| is_ident(c) || c == '-' || c == '?')
                    {
                        self.bump();
                    }
                    let name = self.src[nstart..self.pos].to_string();
                    let value = if self.eat(':') {
                        self.skip_inline()?;
                        Some(self.arg_value()?)
                    } else {
                        None
                    };
                    arguments.push(CommandArgument::Parameter {
                        name,
                        value,
                        span: Span {
                            start: pstart,
                            end: self.pos,
                        },
                    });
                }
                Some('@') if self.peek2().is_some_and(is_ident) => {
                    let sstart = self.pos;
                    self.bump();
                    let nstart = self.pos;
                    while self.peek().is_some_and(is_ident) {
                        self.bump();
                    }
                    let variable = self.src[nstart..self.pos].to_string();
                    arguments.push(CommandArgument::Splat {
                        variable,
                        span: Span {
                            start: sstart,
                            end: self.pos,
                        },
                    });
                }
                Some(_) => arguments.push(CommandArgument::Value(self.arg_value()?)),
            }
        }
        Ok(CommandCall {
            name,
            span,
            arguments,
        })
    }

    /// A command argument: one value or a comma list of them.
    fn arg_value(&mut self) -> Result<Expr, ParseError> {
        self.comma_list(Self::arg_primary)
    }

    /// `item` or `item, item, ...` (an array); newlines may follow each comma.
    fn comma_list(
        &mut self,
        item: fn(&mut Self) -> Result<Expr, ParseError>,
    ) -> Result<Expr, ParseError> {
        let mut items = vec![item(self)?];
        loop {
            let save = self.pos;
            self.skip_inline()?;
            if !self.eat(',') {
                self.pos = save;
                break;
            }
            self.skip_newlines()?;
            items.push(item(self)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Array(items)
        })
    }

    fn arg_primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some('\'' | '"' | '$' | '(' | '@') => {
                let primary = self.primary()?;
                self.postfix(primary)
            }
            Some(c) if ends_bareword(c) => Err(self.error(format!(
                "Unexpected token '{c}' in expression or statement."
            ))),
            None => Err(self.error("Missing an argument.")),
            _ => {
                let word = self.bareword();
                Ok(number_literal(&word).unwrap_or(Expr::String(word)))
            }
        }
    }

    fn expression(&mut self) -> Result<Expr, ParseError> {
        self.comma_list(Self::unary)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let primary = self.primary()?;
        self.postfix(primary)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some('\'') => self.single_quoted(),
            Some('"') => self.double_quoted(),
            Some('$') if self.peek2() == Some('(') => {
                self.bump();
                self.bump();
                let script = self.script(Some(')'))?;
                self.expect_close(')', "Missing closing ')' in subexpression.")?;
                Ok(Expr::SubExpression(script))
            }
            Some('$') => Ok(Expr::Variable(self.variable_name()?)),
            Some('(') => {
                self.bump();
                self.skip_newlines()?;
                if self.peek() == Some(')') {
                    return Err(self.error("An expression was expected after '('."));
                }
                let inner = self.pipeline()?;
                self.skip_newlines()?;
                self.expect_close(')', "Missing closing ')' in expression.")?;
                Ok(Expr::Paren(Box::new(inner)))
            }
            Some('@') if self.peek2() == Some('(') => {
                self.bump();
                self.bump();
                let script = self.script(Some(')'))?;
                self.expect_close(')', "Missing closing ')' in array subexpression.")?;
                Ok(Expr::ArraySubExpression(script))
            }
            Some('@') if self.peek2() == Some('{') => self.hashtable(),
            Some(c)
                if c.is_ascii_digit()
                    || (c == '-' && self.peek2().is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = self.pos;
                self.bump();
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
                {
                    self.bump();
                }
                let text = &self.src[start..self.pos];
                number_literal(text).ok_or_else(|| {
                    ParseError::at(self.src, start, format!("'{text}' is not a valid number."))
                })
            }
            Some('[') => Err(self.error("Type literals such as [int] are not supported yet.")),
            Some(c) => Err(self.error(format!(
                "Unexpected token '{c}' in expression or statement."
            ))),
            None => Err(self.error("An expression was expected.")),
        }
    }

    fn expect_close(&mut self, c: char, message: &str) -> Result<(), ParseError> {
        self.skip_newlines()?;
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    fn postfix(&mut self, mut expr: Expr) -> Result<Expr, ParseError> {
        loop {
            match (self.peek(), self.peek2()) {
                (Some('.'), Some(c)) if is_ident(c) => {
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(is_ident) {
                        self.bump();
                    }
                    let name = self.src[start..self.pos].to_string();
                    if self.eat('(') {
                        let mut arguments = Vec::new();
                        self.skip_newlines()?;
                        if !self.eat(')') {
                            loop {
                                arguments.push(self.unary()?);
                                self.skip_newlines()?;
                                if self.eat(')') {
                                    break;
                                }
                                if !self.eat(',') {
                                    return Err(self.error("Missing ')' in method call."));
                                }
                                self.skip_newlines()?;
                            }
                        }
                        expr = Expr::MethodCall {
                            target: Box::new(expr),
                            name,
                            arguments,
                        };
                    } else {
                        expr = Expr::Member {
                            target: Box::new(expr),
                            name,
                        };
                    }
                }
                (Some('['), _) => {
                    self.bump();
                    self.skip_newlines()?;
                    let index = self.expression()?;
                    self.expect_close(']', "Missing ']' after array index expression.")?;
                    expr = Expr::Index {
                        target: Box::new(expr),
                        index: Box::new(index),
                    };
                }
                _ => return Ok(expr),
            }
        }
    }

    fn variable_name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump(); // '$'
        if self.eat('{') {
            let nstart = self.pos;
            while self.peek().is_some_and(|c| c != '}') {
                self.bump();
            }
            let name = self.src[nstart..self.pos].to_string();
            if !self.eat('}') {
                return Err(ParseError::at(
                    self.src,
                    start,
                    "Missing '}' after a ${variable} name.",
                ));
            }
            return Ok(name);
        }
        if let Some(c @ ('?' | '$' | '^')) = self.peek() {
            self.bump();
            return Ok(c.to_string());
        }
        let nstart = self.pos;
        while let Some(c) = self.peek() {
            if is_ident(c)
                || (c == ':'
                    && self.peek2().is_some_and(is_ident)
                    && !self.src[nstart..self.pos].contains(':'))
            {
                self.bump();
            } else {
                break;
            }
        }
        if self.pos == nstart {
            return Err(ParseError::at(
                self.src,
                start,
                "Variable reference is not valid. '$' was not followed by a valid variable name character.",
            ));
        }
        Ok(self.src[nstart..self.pos].to_string())
    }

    fn single_quoted(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                Some('\'') if self.peek() == Some('\'') => {
                    self.bump();
                    out.push('\'');
                }
                Some('\'') => return Ok(Expr::String(out)),
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

    fn double_quoted(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        let mut parts = Vec::new();
        let mut literal = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError::at(
                        self.src,
                        start,
                        "The string is missing the terminator: \".",
                    ));
                }
                Some('"') if self.peek2() == Some('"') => {
                    self.bump();
                    self.bump();
                    literal.push('"');
                }
                Some('"') => {
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
                Some('$') if self.peek2().is_some_and(|c| is_ident(c) || c == '{') => {
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

    fn hashtable(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        self.bump();
        let mut entries = Vec::new();
        loop {
            self.skip_separators()?;
            if self.eat('}') {
                return Ok(Expr::Hashtable(entries));
            }
            if self.peek().is_none() {
                return Err(ParseError::at(
                    self.src,
                    start,
                    "Missing closing '}' in hash literal.",
                ));
            }
            let key = match self.peek() {
                Some('\'' | '"') => match self.primary()? {
                    Expr::String(s) => s,
                    Expr::Expandable(parts)
                        if parts.iter().all(|p| matches!(p, StringPart::Literal(_))) =>
                    {
                        parts
                            .into_iter()
                            .map(|p| {
                                if let StringPart::Literal(s) = p {
                                    s
                                } else {
                                    String::new()
                                }
                            })
                            .collect()
                    }
                    _ => {
                        return Err(
                            self.error("A hash key in double quotes cannot contain variables.")
                        );
                    }
                },
                _ => {
                    let kstart = self.pos;
                    while self.peek().is_some_and(|c| is_ident(c) || c == '-') {
                        self.bump();
                    }
                    if self.pos == kstart {
                        return Err(self.error("Missing key before '=' in hash literal."));
                    }
                    self.src[kstart..self.pos].to_string()
                }
            };
            self.skip_inline()?;
            if !self.eat('=') {
                return Err(self.error("Missing '=' operator after key in hash literal."));
            }
            self.skip_newlines()?;
            let value = self.pipeline()?;
            let value = match value.elements.as_slice() {
                [PipelineElement::Expression(e)] => e.clone(),
                _ => Expr::Paren(Box::new(value)),
            };
            entries.push((key, value));
        }
    }
}

/// `42`, `0x1F`, `1.5`, `2KB`, `-3`; `None` for anything else.
fn number_literal(text: &str) -> Option<Expr> {
    let lower = text.to_ascii_lowercase();
    let (body, multiplier) = [
        ("kb", 1i64 << 10),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
        ("tb", 1 << 40),
        ("pb", 1 << 50),
    ]
    .iter()
    .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|b| (b.to_string(), *m)))
    .unwrap_or((lower.clone(), 1));
    let (negative, digits) = match body.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, body),
    };
    let sign = if negative { -1 } else { 1 };
    if let Some(hex) = digits.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16)
            .ok()
            .map(|v| Expr::Integer(sign * v * multiplier));
    }
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Ok(v) = digits.parse::<i64>() {
        return v.checked_mul(multiplier).map(|v| Expr::Integer(sign * v));
    }
    if digits.chars().all(|c| c.is_ascii_digit() || c == '.') && digits.matches('.').count() == 1 {
        return digits
            .parse::<f64>()
            .ok()
            .map(|v| Expr::Float(sign as f64 * v * multiplier as f64));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(src: &str) -> CommandCall {
        match &parse(src).unwrap().statements[0] {
            Statement::Pipeline(p) => match &p.elements[0] {
                PipelineElement::Command(c) => c.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn command_with_named_positional_switch_and_colon_forms() {
        let c = command(
            r"Import-PfxCertificate -FilePath 'a b.pfx' Cert:\LocalMachine\My -Exportable -Confirm:$false",
        );
        assert_eq!(c.name, "Import-PfxCertificate");
        assert_eq!(c.arguments.len(), 5);
        assert!(
            matches!(&c.arguments[1], CommandArgument::Value(Expr::String(s)) if s == "a b.pfx")
        );
        assert!(
            matches!(&c.arguments[2], CommandArgument::Value(Expr::String(s)) if s == r"Cert:\LocalMachine\My")
        );
        assert!(
            matches!(&c.arguments[4], CommandArgument::Parameter { name, value: Some(Expr::Variable(v)), .. } if name == "Confirm" && v == "false")
        );
    }

    #[test]
    fn arrays_numbers_and_pipelines() {
        let s = parse("New-SelfSignedCertificate -DnsName 'a', 'b' -KeyLength 4096 | Export-Certificate -FilePath x.cer").unwrap();
        let Statement::Pipeline(p) = &s.statements[0] else {
            panic!()
        };
        assert_eq!(p.elements.len(), 2);
        let PipelineElement::Command(c) = &p.elements[0] else {
            panic!()
        };
        assert!(
            matches!(&c.arguments[1], CommandArgument::Value(Expr::Array(items)) if items.len() == 2)
        );
        assert!(matches!(
            &c.arguments[3],
            CommandArgument::Value(Expr::Integer(4096))
        ));
    }

    #[test]
    fn assignment_hashtable_splat_and_strings() {
        let s = parse("$params = @{ DnsName = 'www.fabrikam.com', 'www.contoso.com'; CertStoreLocation = 'Cert:\\LocalMachine\\My' }\nNew-SelfSignedCertificate @params").unwrap();
        assert_eq!(s.statements.len(), 2);
        assert!(
            matches!(&s.statements[0], Statement::Assignment { variable, value, .. }
            if variable == "params" && matches!(&value.elements[0], PipelineElement::Expression(Expr::Hashtable(e)) if e.len() == 2))
        );
        let s = parse(r#"Write-Output "it''s `"$name`" $($x) ""q""""#).unwrap();
        assert_eq!(s.statements.len(), 1);
    }

    #[test]
    fn comments_continuations_and_separators() {
        let s = parse("# comment\nGet-ChildItem `\n  Cert:\\LocalMachine\\My <# block #> ; Get-ChildItem Cert:\\LocalMachine\\Root\n").unwrap();
        assert_eq!(s.statements.len(), 2);
    }

    #[test]
    fn errors_carry_line_column_and_caret() {
        let e = parse("Get-ChildItem\nExport-Certificate -FilePath 'oops").unwrap_err();
        assert_eq!((e.line, e.column), (2, 30));
        assert!(e.message.contains("missing the terminator"));
        assert!(e.to_string().ends_with(&format!("{}^", " ".repeat(29))));
        assert!(parse("Get-Item (").is_err());
        assert!(parse("a | | b").unwrap_err().message.contains("empty pipe"));
    }

    #[test]
    fn number_literals() {
        assert_eq!(number_literal("1KB"), Some(Expr::Integer(1024)));
        assert_eq!(number_literal("0x1F"), Some(Expr::Integer(31)));
        assert_eq!(number_literal("-5"), Some(Expr::Integer(-5)));
        assert_eq!(number_literal("2028-01-01"), None);
    }
}
