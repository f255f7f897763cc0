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
use std::rc::Rc;

/// Parses a whole script.
pub fn parse(source: &str) -> Result<Script, ParseError> {
    let mut p = Parser {
        src: source,
        pos: 0,
        no_comma: false,
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
    /// Inside method-call arguments and parameter defaults, `,` separates instead of
    /// building an array (reset inside any nested pipeline).
    no_comma: bool,
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

    // ----- statements -------------------------------------------------------------

    /// The keyword at the cursor (lowercase), if a whole word is one.
    fn keyword(&self) -> Option<&'static str> {
        const KEYWORDS: &[&str] = &[
            "if", "elseif", "else", "foreach", "for", "while", "do", "until", "switch", "function",
            "filter", "try", "catch", "finally", "throw", "return", "break", "continue", "exit",
            "param", "in", "default",
        ];
        let word: String = self
            .rest()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let next = self.rest()[word.len()..].chars().next();
        if word.is_empty()
            || next.is_some_and(|c| is_ident(c) || c == '-' || c == ':' || c == '\\' || c == '.')
        {
            return None;
        }
        let lower = word.to_ascii_lowercase();
        KEYWORDS.iter().copied().find(|k| *k == lower)
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        if self.keyword() == Some(keyword) {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    fn at_statement_end(&self) -> bool {
        matches!(self.peek(), None | Some('\n' | ';' | '}' | ')'))
    }

    fn statement(&mut self) -> Result<Statement, ParseError> {
        let start = self.pos;
        if let Some(keyword) = self.keyword() {
            match keyword {
                "if" => return self.if_statement(),
                "foreach" => return self.foreach_statement(),
                "for" => return self.for_statement(),
                "while" => {
                    self.pos += 5;
                    let condition = self.condition()?;
                    let body = self.block()?;
                    return Ok(Statement::While { condition, body });
                }
                "do" => return self.do_statement(),
                "switch" => return self.switch_statement(),
                "function" | "filter" => return self.function_statement(),
                "try" => return self.try_statement(),
                "throw" | "return" | "exit" => {
                    self.pos += keyword.len();
                    self.skip_inline()?;
                    let value = if self.at_statement_end() {
                        None
                    } else {
                        Some(self.pipeline()?)
                    };
                    return Ok(match keyword {
                        "throw" => Statement::Throw {
                            value,
                            span: Span {
                                start,
                                end: self.pos,
                            },
                        },
                        "return" => Statement::Return(value),
                        _ => Statement::Exit(value),
                    });
                }
                "break" | "continue" => {
                    self.pos += keyword.len();
                    return Ok(if keyword == "break" {
                        Statement::Break
                    } else {
                        Statement::Continue
                    });
                }
                "elseif" | "else" | "catch" | "finally" | "until" => {
                    return Err(self.error(format!(
                        "Unexpected token '{keyword}': it must follow a statement block."
                    )));
                }
                _ => {}
            }
        }
        if self.peek() == Some('$') {
            let target = self.postfix_expression()?;
            self.skip_inline()?;
            let op = match (self.peek(), self.peek2()) {
                (Some('='), _) => Some((AssignOp::Set, 1)),
                (Some('+'), Some('=')) => Some((AssignOp::Add, 2)),
                (Some('-'), Some('=')) => Some((AssignOp::Subtract, 2)),
                (Some('*'), Some('=')) => Some((AssignOp::Multiply, 2)),
                (Some('/'), Some('=')) => Some((AssignOp::Divide, 2)),
                _ => None,
            };
            let increment = match (self.peek(), self.peek2()) {
                (Some('+'), Some('+')) => Some(AssignOp::Add),
                (Some('-'), Some('-')) => Some(AssignOp::Subtract),
                _ => None,
            };
            if let Some((op, len)) = op {
                self.pos += len;
                self.skip_newlines()?;
                let value = Box::new(self.statement()?);
                return Ok(Statement::Assignment {
                    target,
                    op,
                    value,
                    span: Span {
                        start,
                        end: self.pos,
                    },
                });
            }
            if let Some(op) = increment {
                self.pos += 2;
                let one = Pipeline {
                    elements: vec![PipelineElement::Expression(Expr::Integer(1))],
                    span: Span {
                        start,
                        end: self.pos,
                    },
                };
                return Ok(Statement::Assignment {
                    target,
                    op,
                    value: Box::new(Statement::Pipeline(one)),
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

    /// `( pipeline )` after a keyword.
    fn condition(&mut self) -> Result<Pipeline, ParseError> {
        self.skip_inline()?;
        if !self.eat('(') {
            return Err(self.error("Missing '(' after the keyword."));
        }
        self.skip_newlines()?;
        let p = self.pipeline()?;
        self.expect_close(')', "Missing closing ')' after the condition.")?;
        Ok(p)
    }

    /// `{ statements }`.
    fn block(&mut self) -> Result<Script, ParseError> {
        self.skip_newlines()?;
        let open = self.pos;
        if !self.eat('{') {
            return Err(self.error("Missing statement block: '{' was expected."));
        }
        let body = self.script(Some('}'))?;
        self.skip_newlines()?;
        if !self.eat('}') {
            return Err(ParseError::at(
                self.src,
                open,
                "Missing closing '}' in statement block or type definition.",
            ));
        }
        Ok(body)
    }

    /// Looks past newlines for a continuation keyword (`else`, `catch`, ...).
    fn continues_with(&mut self, keywords: &[&str]) -> Result<Option<&'static str>, ParseError> {
        let save = self.pos;
        self.skip_newlines()?;
        match self.keyword() {
            Some(k) if keywords.contains(&k) => Ok(Some(k)),
            _ => {
                self.pos = save;
                Ok(None)
            }
        }
    }

    fn if_statement(&mut self) -> Result<Statement, ParseError> {
        self.pos += 2;
        let mut clauses = vec![(self.condition()?, self.block()?)];
        let mut otherwise = None;
        while let Some(k) = self.continues_with(&["elseif", "else"])? {
            self.pos += k.len();
            if k == "elseif" {
                clauses.push((self.condition()?, self.block()?));
            } else {
                otherwise = Some(self.block()?);
                break;
            }
        }
        Ok(Statement::If { clauses, otherwise })
    }

    fn foreach_statement(&mut self) -> Result<Statement, ParseError> {
        self.pos += 7;
        self.skip_inline()?;
        if !self.eat('(') {
            return Err(self.error("Missing opening '(' after keyword 'foreach'."));
        }
        self.skip_newlines()?;
        if self.peek() != Some('$') {
            return Err(self.error("Missing variable name after foreach."));
        }
        let variable = self.variable_name()?;
        self.skip_inline()?;
        if !self.eat_keyword("in") {
            return Err(self.error("Missing 'in' after variable in foreach loop."));
        }
        self.skip_newlines()?;
        let collection = self.pipeline()?;
        self.expect_close(
            ')',
            "Missing closing ')' after expression in 'foreach' statement.",
        )?;
        let body = self.block()?;
        Ok(Statement::Foreach {
            variable,
            collection,
            body,
        })
    }

    fn for_statement(&mut self) -> Result<Statement, ParseError> {
        self.pos += 3;
        self.skip_inline()?;
        if !self.eat('(') {
            return Err(self.error("Missing opening '(' after keyword 'for'."));
        }
        self.skip_newlines()?;
        let init = if self.peek() == Some(';') {
            None
        } else {
            Some(Box::new(self.statement()?))
        };
        self.skip_newlines()?;
        if !self.eat(';') {
            return Err(self.error("Missing ';' in the 'for' loop header."));
        }
        self.skip_newlines()?;
        let condition = if self.peek() == Some(';') {
            None
        } else {
            Some(self.pipeline()?)
        };
        self.skip_newlines()?;
        if !self.eat(';') {
            return Err(self.error("Missing ';' in the 'for' loop header."));
        }
        self.skip_newlines()?;
        let step = if self.peek() == Some(')') {
            None
        } else {
            Some(Box::new(self.statement()?))
        };
        self.expect_close(')', "Missing closing ')' in the 'for' loop header.")?;
        let body = self.block()?;
        Ok(Statement::For {
            init,
            condition,
            step,
            body,
        })
    }

    fn do_statement(&mut self) -> Result<Statement, ParseError> {
        self.pos += 2;
        let body = self.block()?;
        match self.continues_with(&["while", "until"])? {
            Some(k) => {
                self.pos += k.len();
                let condition = self.condition()?;
                Ok(Statement::DoLoop {
                    body,
                    condition,
                    until: k == "until",
                })
            }
            None => Err(self.error("Missing 'while' or 'until' after the 'do' block.")),
        }
    }

    fn switch_statement(&mut self) -> Result<Statement, ParseError> {
        self.pos += 6;
        let mut options = SwitchOptions::default();
        loop {
            self.skip_inline()?;
            if self.peek() != Some('-') {
                break;
            }
            self.bump();
            let word: String = self
                .rest()
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            self.pos += word.len();
            match word.to_ascii_lowercase().as_str() {
                "wildcard" => options.wildcard = true,
                "regex" => options.regex = true,
                "casesensitive" => options.case_sensitive = true,
                "exact" => {}
                other => return Err(self.error(format!("'-{other}' is not a switch option (use -Wildcard, -Regex, -Exact or -CaseSensitive)."))),
            }
        }
        let subject = self.condition()?;
        self.skip_newlines()?;
        if !self.eat('{') {
            return Err(self.error("Missing '{' in switch statement."));
        }
        let mut clauses = Vec::new();
        loop {
            self.skip_separators()?;
            if self.eat('}') {
                break;
            }
            if self.peek().is_none() {
                return Err(self.error("Missing closing '}' in switch statement."));
            }
            let pattern = if self.eat_keyword("default") {
                None
            } else {
                Some(self.arg_primary()?)
            };
            let body = self.block()?;
            clauses.push(SwitchClause { pattern, body });
        }
        Ok(Statement::Switch {
            subject,
            options,
            clauses,
        })
    }

    fn function_statement(&mut self) -> Result<Statement, ParseError> {
        let keyword_len = if self.keyword() == Some("filter") {
            6
        } else {
            8
        };
        self.pos += keyword_len;
        self.skip_inline()?;
        let name = self.bareword();
        if name.is_empty() {
            return Err(self.error("Missing function name after the keyword 'function'."));
        }
        self.skip_inline()?;
        let mut parameters = Vec::new();
        if self.eat('(') {
            parameters = self.parameter_list(')')?;
        }
        self.skip_newlines()?;
        if self.peek() != Some('{') {
            return Err(self.error("Missing function body in function declaration."));
        }
        let mut block = self.script_block()?;
        if !parameters.is_empty() {
            block.parameters = parameters;
        }
        Ok(Statement::Function {
            name,
            block: Rc::new(block),
        })
    }

    fn try_statement(&mut self) -> Result<Statement, ParseError> {
        self.pos += 3;
        let body = self.block()?;
        let mut catches = Vec::new();
        let mut finally = None;
        while let Some(k) = self.continues_with(&["catch", "finally"])? {
            self.pos += k.len();
            if k == "catch" {
                // Exception type filters are accepted and not distinguished.
                loop {
                    self.skip_inline()?;
                    if self.peek() == Some('[') {
                        self.type_name()?;
                        self.skip_inline()?;
                        self.eat(',');
                    } else {
                        break;
                    }
                }
                catches.push(self.block()?);
            } else {
                finally = Some(self.block()?);
                break;
            }
        }
        if catches.is_empty() && finally.is_none() {
            return Err(self.error("The Try statement is missing its Catch or Finally block."));
        }
        Ok(Statement::Try {
            body,
            catches,
            finally,
        })
    }

    /// `{ [param(...)] statements }` at the cursor.
    fn script_block(&mut self) -> Result<ScriptBlock, ParseError> {
        let open = self.pos;
        self.bump(); // '{'
        let text_start = self.pos;
        self.skip_separators()?;
        let mut parameters = Vec::new();
        // Attributes such as [CmdletBinding()] before param() are accepted and ignored;
        // a bracket not followed by param() starts an expression (`[math]::Pi`).
        while self.peek() == Some('[') {
            let save = self.pos;
            self.type_name()?;
            self.skip_separators()?;
            if self.peek() != Some('[') && self.keyword() != Some("param") {
                self.pos = save;
                break;
            }
        }
        if self.eat_keyword("param") {
            self.skip_inline()?;
            if !self.eat('(') {
                return Err(self.error("Missing '(' after 'param'."));
            }
            parameters = self.parameter_list(')')?;
        }
        let body = self.script(Some('}'))?;
        let text_end = self.pos;
        if !self.eat('}') {
            return Err(ParseError::at(
                self.src,
                open,
                "Missing closing '}' in statement block or type definition.",
            ));
        }
        Ok(ScriptBlock {
            parameters,
            body,
            text: self.src[text_start..text_end].to_string(),
        })
    }

    /// `[attr][type]$name = default, ...` up to `close` (consumed).
    fn parameter_list(&mut self, close: char) -> Result<Vec<ParameterDeclaration>, ParseError> {
        let mut list = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.eat(close) {
                return Ok(list);
            }
            let mut decl = ParameterDeclaration {
                name: String::new(),
                type_name: None,
                default: None,
                mandatory: false,
                position: None,
                from_pipeline: false,
                accepted_values: Vec::new(),
            };
            while self.peek() == Some('[') {
                let text = self.type_name()?;
                let lower = text.to_ascii_lowercase();
                if let Some(args) = lower.strip_prefix("parameter(") {
                    decl.mandatory = args.contains("mandatory")
                        && !args.contains("mandatory=$false")
                        && !args.contains("mandatory = $false");
                    decl.from_pipeline = args.contains("valuefrompipeline");
                    if let Some(i) = args.find("position") {
                        let digits: String = args[i..]
                            .chars()
                            .skip_while(|c| !c.is_ascii_digit())
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        decl.position = digits.parse().ok();
                    }
                } else if lower.starts_with("validateset(") {
                    decl.accepted_values = text
                        .split(['\'', '"'])
                        .enumerate()
                        .filter(|(i, _)| i % 2 == 1)
                        .map(|(_, v)| v.to_string())
                        .collect();
                } else if !lower.contains('(') {
                    decl.type_name = Some(lower);
                }
                self.skip_newlines()?;
            }
            if self.peek() != Some('$') {
                return Err(
                    self.error("Missing '$' before a parameter name in the parameter list.")
                );
            }
            decl.name = self.variable_name()?;
            self.skip_inline()?;
            if self.eat('=') {
                self.skip_newlines()?;
                decl.default = Some(self.expression_no_comma()?);
            }
            list.push(decl);
            self.skip_newlines()?;
            if self.eat(close) {
                return Ok(list);
            }
            if !self.eat(',') {
                return Err(self.error("Missing ',' or ')' in the parameter list."));
            }
        }
    }

    /// `[text]` at the cursor, brackets balanced; returns the text inside.
    fn type_name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump(); // '['
        let inner = self.pos;
        let mut depth = 1;
        while let Some(c) = self.bump() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        if c != ']' {
                            break;
                        }
                        return Ok(self.src[inner..self.pos - 1].trim().to_string());
                    }
                }
                '\'' | '"' => {
                    while let Some(q) = self.bump() {
                        if q == c {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        Err(ParseError::at(
            self.src,
            start,
            "Missing ']' after the type name or attribute.",
        ))
    }

    // ----- pipelines and commands ---------------------------------------------------

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let outer = std::mem::replace(&mut self.no_comma, false);
        let result = self.pipeline_elements();
        self.no_comma = outer;
        result
    }

    fn pipeline_elements(&mut self) -> Result<Pipeline, ParseError> {
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
            Some('%' | '?') if self.peek2().is_none_or(|c| c.is_whitespace()) => {
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
                Some('\'' | '"') => match literal_text(self.arg_primary()?) {
                    Some(s) => s,
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
            Some('\'' | '"' | '$' | '(' | '@' | '{') => self.postfix_expression(),
            Some(c) if ends_bareword(c) => Err(self.error(format!(
                "Unexpected token '{c}' in expression or statement."
            ))),
            None => Err(self.error("Missing an argument.")),
            _ => self.argument_word(),
        }
    }

    /// A bareword argument, with quoted strings, `{...}` and variables attached to it kept
    /// as part of the same argument: `appid="{GUID}"`, `appid={GUID}` and
    /// `certhash=$hash` (netsh) are one word each.
    fn argument_word(&mut self) -> Result<Expr, ParseError> {
        let mut parts: Vec<StringPart> = Vec::new();
        let mut literal = String::new();
        let mut quoted = false;
        loop {
            match self.peek() {
                Some('{') if !literal.is_empty() || !parts.is_empty() => {
                    let start = self.pos;
                    let mut depth = 0;
                    while let Some(c) = self.bump() {
                        literal.push(c);
                        match c {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    if depth != 0 {
                        return Err(ParseError::at(
                            self.src,
                            start,
                            "Missing closing '}' in the argument.",
                        ));
                    }
                }
                // `certhash=$hash` and `name=$($x.Name)`: variables expand inside a word.
                Some('$')
                    if (!literal.is_empty() || !parts.is_empty())
                        && self
                            .peek2()
                            .is_some_and(|c| is_ident(c) || matches!(c, '{' | '(')) =>
                {
                    quoted = true;
                    if !literal.is_empty() {
                        parts.push(StringPart::Literal(std::mem::take(&mut literal)));
                    }
                    if self.peek2() == Some('(') {
                        self.bump();
                        self.bump();
                        let script = self.script(Some(')'))?;
                        self.expect_close(')', "Missing closing ')' in subexpression.")?;
                        parts.push(StringPart::SubExpression(script));
                    } else {
                        parts.push(StringPart::Variable(self.variable_name()?));
                    }
                }
                Some('\'' | '"') if !literal.is_empty() || !parts.is_empty() => {
                    quoted = true;
                    if !literal.is_empty() {
                        parts.push(StringPart::Literal(std::mem::take(&mut literal)));
                    }
                    match self.primary()? {
                        Expr::String(text) => parts.push(StringPart::Literal(text)),
                        Expr::Expandable(inner) => parts.extend(inner),
                        _ => {}
                    }
                }
                Some(c) if !ends_bareword(c) => {
                    self.bump();
                    literal.push(c);
                }
                _ => break,
            }
        }
        if !quoted {
            return Ok(number_literal(&literal).unwrap_or(Expr::String(literal)));
        }
        if !literal.is_empty() {
            parts.push(StringPart::Literal(literal));
        }
        Ok(Expr::Expandable(parts))
    }

    // ----- expressions (lowest precedence first) ------------------------------------

    fn expression(&mut self) -> Result<Expr, ParseError> {
        self.logical()
    }

    /// An expression in which `,` ends the expression (parameter defaults, method
    /// arguments) instead of building an array.
    fn expression_no_comma(&mut self) -> Result<Expr, ParseError> {
        let outer = std::mem::replace(&mut self.no_comma, true);
        let result = self.logical();
        self.no_comma = outer;
        result
    }

    /// The `-word` operator at the cursor (after spaces), if `accept` knows it; the
    /// cursor moves past it and any newlines after it.
    fn operator<T>(&mut self, accept: impl Fn(&str) -> Option<T>) -> Result<Option<T>, ParseError> {
        let save = self.pos;
        self.skip_inline()?;
        if self.peek() == Some('-') && self.peek2().is_some_and(|c| c.is_ascii_alphabetic()) {
            let word: String = self.rest()[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            let after = self.rest()[1 + word.len()..].chars().next();
            if !after.is_some_and(|c| is_ident(c) || c == ':')
                && let Some(op) = accept(&word.to_ascii_lowercase())
            {
                self.pos += 1 + word.len();
                self.skip_newlines()?;
                return Ok(Some(op));
            }
        }
        self.pos = save;
        Ok(None)
    }

    /// A symbol operator (`+`, `*`, `..`) at the cursor (after spaces).
    fn symbol(&mut self, symbols: &[&str]) -> Result<Option<usize>, ParseError> {
        let save = self.pos;
        self.skip_inline()?;
        for (i, s) in symbols.iter().enumerate() {
            if self.rest().starts_with(s) && !self.rest()[s.len()..].starts_with('=') {
                // `-` followed by a letter is a named operator, not minus.
                if *s == "-" && self.peek2().is_some_and(|c| c.is_ascii_alphabetic()) {
                    continue;
                }
                if *s == "+" && self.peek2() == Some('+') || *s == "-" && self.peek2() == Some('-')
                {
                    continue;
                }
                self.pos += s.len();
                self.skip_newlines()?;
                return Ok(Some(i));
            }
        }
        self.pos = save;
        Ok(None)
    }

    fn logical(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.comparison()?;
        while let Some(op) = self.operator(|w| match w {
            "and" => Some(BinaryOp::And),
            "or" => Some(BinaryOp::Or),
            "xor" => Some(BinaryOp::Xor),
            _ => None,
        })? {
            let right = self.comparison()?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.additive()?;
        while let Some(op) = self.operator(comparison_operator)? {
            let right = self.additive()?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.multiplicative()?;
        while let Some(i) = self.symbol(&["+", "-"])? {
            let right = self.multiplicative()?;
            let op = if i == 0 {
                BinaryOp::Add
            } else {
                BinaryOp::Subtract
            };
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.negation()?;
        while let Some(i) = self.symbol(&["*", "/", "%"])? {
            let right = self.negation()?;
            let op = [BinaryOp::Multiply, BinaryOp::Divide, BinaryOp::Remainder][i];
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn negation(&mut self) -> Result<Expr, ParseError> {
        match (self.peek(), self.peek2()) {
            (Some('-'), Some(c)) if !c.is_ascii_alphabetic() && !c.is_ascii_digit() && c != '-' => {
                self.bump();
                self.skip_inline()?;
                Ok(Expr::Unary {
                    op: UnaryOp::Negate,
                    operand: Box::new(self.negation()?),
                })
            }
            (Some('+'), Some(c)) if c != '+' => {
                self.bump();
                Ok(Expr::Unary {
                    op: UnaryOp::Plus,
                    operand: Box::new(self.negation()?),
                })
            }
            _ => self.format(),
        }
    }

    fn format(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.range()?;
        while self.operator(|w| (w == "f").then_some(()))?.is_some() {
            let right = self.range()?;
            left = Expr::Binary {
                op: BinaryOp::Format,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn range(&mut self) -> Result<Expr, ParseError> {
        let left = self.not()?;
        if self.symbol(&[".."])?.is_some() {
            let right = self.not()?;
            return Ok(Expr::Binary {
                op: BinaryOp::Range,
                left: Box::new(left),
                right: Box::new(right),
            });
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == Some('!') {
            self.bump();
            self.skip_inline()?;
            return Ok(Expr::Unary {
                op: UnaryOp::Not,
                operand: Box::new(self.not()?),
            });
        }
        if self.operator(|w| (w == "not").then_some(()))?.is_some() {
            return Ok(Expr::Unary {
                op: UnaryOp::Not,
                operand: Box::new(self.not()?),
            });
        }
        if self.no_comma {
            self.unary()
        } else {
            self.comma_list(Self::unary)
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if let Some(op) = self.operator(|w| match w {
            "split" => Some(UnaryOp::Split),
            "join" => Some(UnaryOp::Join),
            _ => None,
        })? {
            return Ok(Expr::Unary {
                op,
                operand: Box::new(self.unary()?),
            });
        }
        if self.peek() == Some('[') {
            let type_name = self.type_name()?;
            if self.rest().starts_with("::") {
                self.pos += 2;
                let start = self.pos;
                while self.peek().is_some_and(is_ident) {
                    self.bump();
                }
                let name = self.src[start..self.pos].to_string();
                let expr = if self.eat('(') {
                    let arguments = self.call_arguments()?;
                    Expr::StaticCall {
                        type_name,
                        name,
                        arguments,
                    }
                } else {
                    Expr::StaticMember { type_name, name }
                };
                return self.postfix(expr);
            }
            let save = self.pos;
            self.skip_inline()?;
            if self.peek().is_some_and(|c| {
                matches!(c, '$' | '\'' | '"' | '(' | '@' | '[' | '{')
                    || c.is_ascii_digit()
                    || c == '-'
            }) {
                let operand = self.unary()?;
                return Ok(Expr::Cast {
                    type_name: type_name.to_ascii_lowercase(),
                    operand: Box::new(operand),
                });
            }
            self.pos = save;
            return self.postfix(Expr::TypeLiteral(type_name.to_ascii_lowercase()));
        }
        self.postfix_expression()
    }

    fn postfix_expression(&mut self) -> Result<Expr, ParseError> {
        let primary = self.primary()?;
        self.postfix(primary)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some('\'') => self.single_quoted(),
            Some('"') => self.double_quoted(),
            Some('@') if matches!(self.peek2(), Some('"' | '\'')) => self.here_string(),
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
            Some('{') => Ok(Expr::ScriptBlock(Rc::new(self.script_block()?))),
            Some(c)
                if c.is_ascii_digit()
                    || (c == '-' && self.peek2().is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = self.pos;
                self.bump();
                while let Some(c) = self.peek() {
                    let decimal_point = c == '.'
                        && self.peek2().is_some_and(|d| d.is_ascii_digit())
                        && !self.src[start..self.pos].contains('.');
                    if c.is_ascii_alphanumeric() || decimal_point {
                        self.bump();
                    } else {
                        break;
                    }
                }
                let text = &self.src[start..self.pos];
                number_literal(text).ok_or_else(|| {
                    ParseError::at(self.src, start, format!("'{text}' is not a valid number."))
                })
            }
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

    /// Arguments of a method call after `(`, through `)`.
    fn call_arguments(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut arguments = Vec::new();
        self.skip_newlines()?;
        if self.eat(')') {
            return Ok(arguments);
        }
        loop {
            arguments.push(self.expression_no_comma()?);
            self.skip_newlines()?;
            if self.eat(')') {
                return Ok(arguments);
            }
            if !self.eat(',') {
                return Err(self.error("Missing ')' in method call."));
            }
            self.skip_newlines()?;
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
                        let arguments = self.call_arguments()?;
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

    /// `@"` … `"@` and `@'` … `'@`, each delimiter on a line of its own.
    fn here_string(&mut self) -> Result<Expr, ParseError> {
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

    fn double_quoted(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.bump();
        self.expandable_body(Some(start))
    }

    /// The parts of an expandable string up to `"` (or the end, for here-strings).
    fn expandable_body(&mut self, quoted_from: Option<usize>) -> Result<Expr, ParseError> {
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
                Some('"') if quoted_from.is_some() && self.peek2() == Some('"') => {
                    self.bump();
                    self.bump();
                    literal.push('"');
                }
                Some('"') if quoted_from.is_some() => {
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
                Some('\'' | '"') => match literal_text(self.primary()?) {
                    Some(s) => s,
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
            let value = match self.statement()? {
                Statement::Pipeline(p) => match p.elements.as_slice() {
                    [PipelineElement::Expression(e)] => e.clone(),
                    _ => Expr::Paren(Box::new(p)),
                },
                _ => {
                    return Err(
                        self.error("A hash literal value must be an expression or a pipeline.")
                    );
                }
            };
            entries.push((key, value));
        }
    }
}

/// The text of a string literal without variables (`'x'` or `"x"`), for command
/// names and hash keys, which cannot be computed.
fn literal_text(expr: Expr) -> Option<String> {
    match expr {
        Expr::String(s) => Some(s),
        Expr::Expandable(parts) => parts
            .into_iter()
            .map(|p| match p {
                StringPart::Literal(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// Comparison-level operators that take a `c` (case-sensitive) or `i` prefix.
const CASED_OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
    "replace",
    "split",
];

/// The comparison-level operator named `word` (`eq`, `ceq`, `ilike`, `replace`, ...).
fn comparison_operator(word: &str) -> Option<BinaryOp> {
    let (case_sensitive, base) = match (word.strip_prefix('c'), word.strip_prefix('i')) {
        (Some(rest), _) if CASED_OPERATORS.contains(&rest) => (true, rest),
        (_, Some(rest)) if CASED_OPERATORS.contains(&rest) => (false, rest),
        _ => (false, word),
    };
    let op = match base {
        "eq" => Comparison::Eq,
        "ne" => Comparison::Ne,
        "gt" => Comparison::Gt,
        "ge" => Comparison::Ge,
        "lt" => Comparison::Lt,
        "le" => Comparison::Le,
        "like" => Comparison::Like,
        "notlike" => Comparison::NotLike,
        "match" => Comparison::Match,
        "notmatch" => Comparison::NotMatch,
        "contains" => Comparison::Contains,
        "notcontains" => Comparison::NotContains,
        "in" => Comparison::In,
        "notin" => Comparison::NotIn,
        "replace" => return Some(BinaryOp::Replace { case_sensitive }),
        "split" => return Some(BinaryOp::Split { case_sensitive }),
        "join" => return Some(BinaryOp::Join),
        "is" => return Some(BinaryOp::Is),
        "isnot" => return Some(BinaryOp::IsNot),
        "as" => return Some(BinaryOp::As),
        _ => return None,
    };
    Some(BinaryOp::Compare { op, case_sensitive })
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
            matches!(&s.statements[0], Statement::Assignment { target: Expr::Variable(variable), value, .. }
            if variable == "params" && matches!(&**value, Statement::Pipeline(p) if matches!(&p.elements[0], PipelineElement::Expression(Expr::Hashtable(e)) if e.len() == 2)))
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
    fn operators_follow_powershell_precedence() {
        let s = parse("1 + 2 * 3 -eq 7 -and -not $false").unwrap();
        let Statement::Pipeline(p) = &s.statements[0] else {
            panic!()
        };
        let PipelineElement::Expression(Expr::Binary {
            op: BinaryOp::And,
            left,
            ..
        }) = &p.elements[0]
        else {
            panic!("{p:?}")
        };
        assert!(matches!(
            &**left,
            Expr::Binary {
                op: BinaryOp::Compare {
                    op: Comparison::Eq,
                    case_sensitive: false
                },
                ..
            }
        ));
        let s = parse("$x -ceq 'A'").unwrap();
        let Statement::Pipeline(p) = &s.statements[0] else {
            panic!()
        };
        assert!(matches!(
            &p.elements[0],
            PipelineElement::Expression(Expr::Binary {
                op: BinaryOp::Compare {
                    case_sensitive: true,
                    ..
                },
                ..
            })
        ));
        // `1,2 -contains 2`: the comma binds tighter than comparison.
        let s = parse("1,2 -contains 2").unwrap();
        let Statement::Pipeline(p) = &s.statements[0] else {
            panic!()
        };
        assert!(
            matches!(&p.elements[0], PipelineElement::Expression(Expr::Binary { left, .. }) if matches!(&**left, Expr::Array(a) if a.len() == 2))
        );
    }

    #[test]
    fn control_flow_functions_and_blocks() {
        let src = "function Test-It { param([Parameter(Mandatory)][string]$Name, [int]$Days = 30, [switch]$Force)\n  if ($Days -lt 0) { throw 'negative' } elseif ($Force) { return 1 }\n  else { foreach ($i in 1..3) { $i } }\n}\ntry { Test-It x } catch { $_ } finally { 'done' }\nGet-ChildItem Cert:\\LocalMachine\\My | Where-Object { $_.NotAfter -lt (Get-Date).AddDays(30) }";
        let s = parse(src).unwrap();
        assert_eq!(s.statements.len(), 3);
        let Statement::Function { block, .. } = &s.statements[0] else {
            panic!()
        };
        assert_eq!(block.parameters.len(), 3);
        assert!(block.parameters[0].mandatory);
        assert_eq!(block.parameters[1].type_name.as_deref(), Some("int"));
        assert!(
            matches!(&s.statements[1], Statement::Try { catches, finally: Some(_), .. } if catches.len() == 1)
        );
        assert!(parse("if ($x) { 1 } else").is_err());
        assert!(
            parse("try { 1 }")
                .unwrap_err()
                .message
                .contains("missing its Catch or Finally")
        );
        let here = parse("$t = @\"\nline $x\n\"@\n$t").unwrap();
        assert_eq!(here.statements.len(), 2);
    }

    #[test]
    fn number_literals() {
        assert_eq!(number_literal("1KB"), Some(Expr::Integer(1024)));
        assert_eq!(number_literal("0x1F"), Some(Expr::Integer(31)));
        assert_eq!(number_literal("-5"), Some(Expr::Integer(-5)));
        assert_eq!(number_literal("2028-01-01"), None);
    }
}
