//! Statements: scripts, control flow, functions, script blocks and parameter lists.

use super::*;

impl Parser<'_> {
    pub(super) fn script(&mut self, terminator: Option<char>) -> Result<Script, ParseError> {
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
    pub(super) fn keyword(&self) -> Option<&'static str> {
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

    pub(super) fn eat_keyword(&mut self, keyword: &str) -> bool {
        if self.keyword() == Some(keyword) {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    pub(super) fn at_statement_end(&self) -> bool {
        matches!(self.peek(), None | Some('\n' | ';' | '}' | ')'))
    }

    pub(super) fn statement(&mut self) -> Result<Statement, ParseError> {
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
    pub(super) fn condition(&mut self) -> Result<Pipeline, ParseError> {
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
    pub(super) fn block(&mut self) -> Result<Script, ParseError> {
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
    pub(super) fn continues_with(
        &mut self,
        keywords: &[&str],
    ) -> Result<Option<&'static str>, ParseError> {
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

    pub(super) fn if_statement(&mut self) -> Result<Statement, ParseError> {
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

    pub(super) fn foreach_statement(&mut self) -> Result<Statement, ParseError> {
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

    pub(super) fn for_statement(&mut self) -> Result<Statement, ParseError> {
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

    pub(super) fn do_statement(&mut self) -> Result<Statement, ParseError> {
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

    pub(super) fn switch_statement(&mut self) -> Result<Statement, ParseError> {
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

    pub(super) fn function_statement(&mut self) -> Result<Statement, ParseError> {
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

    pub(super) fn try_statement(&mut self) -> Result<Statement, ParseError> {
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
    pub(super) fn script_block(&mut self) -> Result<ScriptBlock, ParseError> {
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
    pub(super) fn parameter_list(
        &mut self,
        close: char,
    ) -> Result<Vec<ParameterDeclaration>, ParseError> {
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
    pub(super) fn type_name(&mut self) -> Result<String, ParseError> {
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
}
