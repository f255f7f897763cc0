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
            "param", "in", "default", "trap", "enum", "class", "data",
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
        // `:label` before a loop.
        if self.peek() == Some(':') && self.peek2().is_some_and(is_ident) {
            self.bump();
            let label = self.bareword();
            self.skip_newlines()?;
            let statement = Box::new(self.statement()?);
            return Ok(Statement::Labeled { label, statement });
        }
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
                    self.skip_inline()?;
                    let label = (!self.at_statement_end())
                        .then(|| self.bareword())
                        .filter(|l| !l.is_empty());
                    return Ok(if keyword == "break" {
                        Statement::Break(label)
                    } else {
                        Statement::Continue(label)
                    });
                }
                "trap" => {
                    self.pos += 4;
                    self.skip_inline()?;
                    while self.peek() == Some('[') {
                        self.type_name()?;
                        self.skip_inline()?;
                    }
                    return Ok(Statement::Trap(self.block()?));
                }
                "data" => {
                    if let Some(section) = self.data_section()? {
                        return Ok(section);
                    }
                }
                "elseif" | "else" | "catch" | "finally" | "until" => {
                    return Err(self.error(format!(
                        "Unexpected token '{keyword}': it must follow a statement block."
                    )));
                }
                _ => {}
            }
        }
        if let Some(definition) = self.enum_definition()? {
            return Ok(definition);
        }
        if let Some(definition) = self.class_definition()? {
            return Ok(definition);
        }
        if let Some(assignment) = self.assignment()? {
            return Ok(assignment);
        }
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let save = self.pos;
            self.skip_inline()?;
            let op = if self.rest().starts_with("&&") {
                ChainOp::And
            } else if self.rest().starts_with("||") {
                ChainOp::Or
            } else {
                self.pos = save;
                break;
            };
            self.pos += 2;
            self.skip_newlines()?;
            rest.push((op, self.pipeline()?));
        }
        if rest.is_empty() {
            Ok(Statement::Pipeline(first))
        } else {
            Ok(Statement::Chain { first, rest })
        }
    }

    /// `$x = ...`, `$a, $b = ...`, `[int]$x = ...`, `$x %= ...`, `$x ??= ...`, `$x++`,
    /// `++$x`; `None` (cursor unmoved) when the statement is not an assignment.
    fn assignment(&mut self) -> Result<Option<Statement>, ParseError> {
        let start = self.pos;
        let span = |p: &Self| Span { start, end: p.pos };
        // `++$x` / `--$x`
        if (self.rest().starts_with("++") || self.rest().starts_with("--"))
            && self.rest()[2..].starts_with('$')
        {
            let delta = if self.rest().starts_with('+') { 1 } else { -1 };
            self.pos += 2;
            let target = self.postfix_expression()?;
            if self.at_statement_end_after_inline()? {
                return Ok(Some(increment(target, delta, span(self))));
            }
            self.pos = start;
            return Ok(None);
        }
        let mut targets = Vec::new();
        loop {
            let target = match self.peek() {
                Some('$') => self.postfix_expression_no_increment()?,
                Some('[') => {
                    let mut casts = Vec::new();
                    while self.peek() == Some('[') {
                        casts.push(self.type_name()?);
                        self.skip_inline()?;
                    }
                    // `[Class]::Property = value`
                    if casts.len() == 1 && self.rest().starts_with("::") {
                        self.pos = start;
                        let target = self.unary()?;
                        if !matches!(
                            target,
                            Expr::StaticMember { .. } | Expr::Member { .. } | Expr::Index { .. }
                        ) {
                            self.pos = start;
                            return Ok(None);
                        }
                        targets.push(target);
                        self.skip_inline()?;
                        break;
                    }
                    if self.peek() != Some('$') {
                        self.pos = start;
                        return Ok(None);
                    }
                    let mut target = self.postfix_expression_no_increment()?;
                    // The type (the last bracket that is not an attribute) constrains the variable.
                    if let Some(type_name) = casts.iter().rev().find(|c| !c.contains('(')) {
                        target = Expr::Cast {
                            type_name: type_name.to_ascii_lowercase(),
                            operand: Box::new(target),
                        };
                    }
                    target
                }
                _ => {
                    self.pos = start;
                    return Ok(None);
                }
            };
            targets.push(target);
            self.skip_inline()?;
            if self.peek() == Some(',') {
                self.bump();
                self.skip_newlines()?;
                continue;
            }
            break;
        }
        let op = [
            ("??=", AssignOp::Coalesce),
            ("+=", AssignOp::Add),
            ("-=", AssignOp::Subtract),
            ("*=", AssignOp::Multiply),
            ("/=", AssignOp::Divide),
            ("%=", AssignOp::Remainder),
            ("=", AssignOp::Set),
        ]
        .into_iter()
        .find(|(symbol, _)| self.rest().starts_with(symbol));
        if let Some((symbol, op)) = op {
            self.pos += symbol.len();
            self.skip_newlines()?;
            let value = Box::new(self.statement()?);
            let target = if targets.len() == 1 {
                targets.remove(0)
            } else {
                Expr::Array(targets)
            };
            return Ok(Some(Statement::Assignment {
                target,
                op,
                value,
                span: span(self),
            }));
        }
        // `$x++` / `$x--` as a statement: no output.
        if targets.len() == 1 && (self.rest().starts_with("++") || self.rest().starts_with("--")) {
            let delta = if self.rest().starts_with('+') { 1 } else { -1 };
            self.pos += 2;
            if self.at_statement_end_after_inline()? {
                // As a value (`$c = $a++`, `($a++)`) it gives the value before.
                return Ok(Some(Statement::Pipeline(Pipeline::of(
                    Expr::IncDec {
                        target: Box::new(targets.remove(0)),
                        delta,
                        prefix: false,
                    },
                    span(self),
                ))));
            }
        }
        self.pos = start;
        Ok(None)
    }

    /// `[Flags()] enum Name [: type] { Member [= value] ... }`, if one starts here.
    fn enum_definition(&mut self) -> Result<Option<Statement>, ParseError> {
        let start = self.pos;
        let mut flags = false;
        while self.peek() == Some('[') {
            flags |= self.type_name()?.to_ascii_lowercase().starts_with("flags");
            self.skip_newlines()?;
        }
        if !self.eat_keyword("enum") {
            self.pos = start;
            return Ok(None);
        }
        self.skip_inline()?;
        let name = self.bareword();
        if name.is_empty() {
            return Err(self.error("Missing the name of the enum after 'enum'."));
        }
        self.skip_inline()?;
        let mut underlying = None;
        if self.eat(':') {
            self.skip_inline()?;
            underlying = Some(self.bareword());
        }
        self.skip_newlines()?;
        if !self.eat('{') {
            return Err(self.error("Missing '{' to open the enum's members."));
        }
        let mut members = Vec::new();
        loop {
            self.skip_separators()?;
            if self.eat('}') {
                break;
            }
            let member_start = self.pos;
            while self.peek().is_some_and(is_ident) {
                self.bump();
            }
            let member = self.src[member_start..self.pos].to_string();
            if member.is_empty() {
                return Err(self.error("An enum member must be a name (and '= value')."));
            }
            self.skip_inline()?;
            let value = if self.eat('=') {
                self.skip_inline()?;
                Some(self.expression()?)
            } else {
                None
            };
            members.push((member, value));
        }
        Ok(Some(Statement::Enum(Rc::new(EnumDefinition {
            name,
            flags,
            underlying,
            members,
        }))))
    }

    /// `data [Name] { statements }`: the statements' output, assigned to `$Name` when
    /// named. `None` (cursor unmoved) when `data` is a command name here.
    fn data_section(&mut self) -> Result<Option<Statement>, ParseError> {
        let start = self.pos;
        self.pos += 4;
        self.skip_inline()?;
        let name = if self.peek().is_some_and(is_ident) {
            let name = self.bareword();
            self.skip_inline()?;
            Some(name)
        } else {
            None
        };
        if self.peek() != Some('{') {
            self.pos = start;
            return Ok(None);
        }
        let body = self.block()?;
        let span = Span {
            start,
            end: self.pos,
        };
        let value = Statement::Pipeline(Pipeline::of(Expr::SubExpression(body), span));
        Ok(Some(match name {
            Some(name) => Statement::Assignment {
                target: Expr::Variable(name),
                op: AssignOp::Set,
                value: Box::new(value),
                span,
            },
            None => value,
        }))
    }

    /// An assignment right after `(` (`($x = 5)`), if one is there.
    pub(super) fn assignment_in_parens(&mut self) -> Result<Option<Statement>, ParseError> {
        let start = self.pos;
        match self.assignment()? {
            // `($i++)` is an expression: its value is $i before the increment.
            Some(Statement::Pipeline(_)) => {
                self.pos = start;
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// Skips spaces; whether the statement ends there.
    fn at_statement_end_after_inline(&mut self) -> Result<bool, ParseError> {
        self.skip_inline()?;
        Ok(self.at_statement_end() || self.peek() == Some('|'))
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
        if keyword_len == 6 && !block.has_named_blocks() {
            block.process = Some(std::mem::take(&mut block.body));
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
                let mut types = Vec::new();
                loop {
                    self.skip_inline()?;
                    if self.peek() == Some('[') {
                        types.push(self.type_name()?.to_ascii_lowercase());
                        self.skip_inline()?;
                        self.eat(',');
                        self.skip_newlines()?;
                    } else {
                        break;
                    }
                }
                catches.push((types, self.block()?));
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
        let mut block = self.block_body(Some('}'))?;
        let text_end = self.pos;
        if !self.eat('}') {
            return Err(ParseError::at(
                self.src,
                open,
                "Missing closing '}' in statement block or type definition.",
            ));
        }
        block.text = self.src[text_start..text_end].to_string();
        Ok(block)
    }

    /// What a script block or script file holds: attributes (`[CmdletBinding()]`), an
    /// optional `param(...)`, then statements or `begin`/`process`/`end` blocks, up to
    /// `terminator` (not consumed).
    pub(super) fn block_body(
        &mut self,
        terminator: Option<char>,
    ) -> Result<ScriptBlock, ParseError> {
        let mut block = ScriptBlock::default();
        self.skip_separators()?;
        // Attributes before param(); a bracket not followed by param() starts an
        // expression (`[math]::Pi`).
        let mut cmdlet_binding = false;
        while self.peek() == Some('[') {
            let save = self.pos;
            let written = self.type_name()?;
            let text = written.to_ascii_lowercase();
            self.skip_separators()?;
            if self.peek() != Some('[') && self.keyword() != Some("param") {
                self.pos = save;
                cmdlet_binding = false;
                block.default_parameter_set = None;
                break;
            }
            cmdlet_binding |= text.starts_with("cmdletbinding") || text.starts_with("outputtype");
            if text.starts_with("cmdletbinding") {
                block.default_parameter_set =
                    attribute_argument(&written, "DefaultParameterSetName");
            }
        }
        block.cmdlet_binding = cmdlet_binding;
        if self.eat_keyword("param") {
            self.skip_inline()?;
            if !self.eat('(') {
                return Err(self.error("Missing '(' after 'param'."));
            }
            block.parameters = self.parameter_list(')')?;
            block.cmdlet_binding |= block
                .parameters
                .iter()
                .any(|p| p.mandatory || p.from_pipeline || p.position.is_some());
        }
        self.skip_separators()?;
        if self.named_block_ahead() {
            loop {
                self.skip_separators()?;
                let word: String = self
                    .rest()
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                let name = word.to_ascii_lowercase();
                if !matches!(
                    name.as_str(),
                    "begin" | "process" | "end" | "clean" | "dynamicparam"
                ) {
                    break;
                }
                self.pos += word.len();
                let body = self.block()?;
                match name.as_str() {
                    "begin" => block.begin = Some(body),
                    "process" => block.process = Some(body),
                    "end" => block.body = body,
                    _ => {}
                }
            }
            self.skip_separators()?;
            if self.peek().is_some() && self.peek() != terminator {
                return Err(self.error(
                    "Unexpected token: a script block with begin/process/end blocks holds nothing else.",
                ));
            }
        } else {
            block.body = self.script(terminator)?;
        }
        Ok(block)
    }

    /// Whether `begin {`, `process {`, `end {` (or `clean`, `dynamicparam`) starts here.
    fn named_block_ahead(&self) -> bool {
        let rest = self.rest();
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        matches!(
            word.to_ascii_lowercase().as_str(),
            "begin" | "process" | "end" | "clean" | "dynamicparam"
        ) && rest[word.len()..].trim_start().starts_with('{')
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
            let mut decl = ParameterDeclaration::named("");
            while self.peek() == Some('[') {
                let attribute_start = self.pos + 1;
                let text = self.type_name()?;
                self.attribute(&mut decl, &text, attribute_start)?;
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

    /// One `[...]` before a parameter: `Parameter(...)`, `Alias(...)`, a validation
    /// attribute, or the parameter's type.
    pub(super) fn attribute(
        &mut self,
        decl: &mut ParameterDeclaration,
        text: &str,
        start: usize,
    ) -> Result<(), ParseError> {
        let lower = text.to_ascii_lowercase();
        let Some(open) = lower.find('(') else {
            decl.type_name = Some(lower);
            return Ok(());
        };
        let name = lower[..open]
            .trim()
            .trim_start_matches("system.management.automation.");
        // Up to the closing parenthesis: ASCII, so the slice ends on a character boundary
        // whatever follows it.
        let close = text.rfind(')').filter(|c| *c > open).unwrap_or(text.len());
        let inner = &text[open + 1..close];
        let arguments = || -> Result<Vec<Expr>, ParseError> {
            let mut sub = Parser {
                src: self.src,
                pos: start + open + 1,
                no_comma: true,
            };
            let mut list = Vec::new();
            loop {
                sub.skip_newlines()?;
                if sub.eat(')') {
                    return Ok(list);
                }
                list.push(sub.expression_no_comma()?);
                sub.skip_newlines()?;
                if sub.eat(')') {
                    return Ok(list);
                }
                if !sub.eat(',') {
                    return Err(sub.error("Missing ',' or ')' in the attribute's arguments."));
                }
            }
        };
        let strings = || -> Vec<String> {
            inner
                .split(['\'', '"'])
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, v)| v.to_string())
                .collect()
        };
        let numbers = || -> Vec<usize> {
            inner
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        };
        match name {
            "parameter" => {
                for item in inner.split(',') {
                    let (key, value) = match item.split_once('=') {
                        Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim()),
                        None => (item.trim().to_ascii_lowercase(), "$true"),
                    };
                    let on = !value.eq_ignore_ascii_case("$false");
                    match key.as_str() {
                        "mandatory" => decl.mandatory = on,
                        "valuefrompipeline" => decl.from_pipeline = on,
                        "valuefrompipelinebypropertyname" => {
                            decl.from_pipeline_by_property_name = on
                        }
                        "position" => decl.position = value.parse().ok(),
                        "valuefromremainingarguments" => decl.from_remaining = on,
                        "parametersetname" => decl
                            .parameter_sets
                            .push(value.trim_matches(['\'', '"']).to_string()),
                        _ => {}
                    }
                }
            }
            "alias" => decl.aliases = strings(),
            "validateset" => decl.accepted_values = strings(),
            "validatenotnullorempty" | "validatenotnull" => {
                decl.validations.push(Validation::NotNullOrEmpty)
            }
            "validatepattern" => {
                if let Some(p) = strings().into_iter().next() {
                    decl.validations.push(Validation::Pattern(p));
                }
            }
            "validatelength" | "validatecount" => {
                if let [min, max] = numbers()[..] {
                    decl.validations.push(if name == "validatelength" {
                        Validation::Length(min, max)
                    } else {
                        Validation::Count(min, max)
                    });
                }
            }
            "validaterange" => {
                let mut args = arguments()?.into_iter();
                if let (Some(min), Some(max)) = (args.next(), args.next()) {
                    decl.validations.push(Validation::Range(min, max));
                }
            }
            "validatescript" => {
                if let Some(Expr::ScriptBlock(b)) = arguments()?.into_iter().next() {
                    decl.validations.push(Validation::Script(b));
                }
            }
            _ => {}
        }
        Ok(())
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

/// `$x += 1` (or `-= 1`) with no output, for `$x++` and `++$x` as statements.
fn increment(target: Expr, delta: i64, span: Span) -> Statement {
    Statement::Assignment {
        target,
        op: AssignOp::Add,
        value: Box::new(Statement::Pipeline(Pipeline::of(
            Expr::Integer(delta),
            span,
        ))),
        span,
    }
}

/// The text of a named argument in an attribute (`DefaultParameterSetName = 'Set1'` in
/// `CmdletBinding(...)`), without its quotes.
fn attribute_argument(attribute: &str, name: &str) -> Option<String> {
    let lower = attribute.to_ascii_lowercase();
    let at = lower.find(&name.to_ascii_lowercase())? + name.len();
    let rest = attribute[at..].trim_start().strip_prefix('=')?.trim_start();
    let value: String = match rest.chars().next()? {
        q if is_single_quote(q) => rest[q.len_utf8()..]
            .chars()
            .take_while(|c| !is_single_quote(*c))
            .collect(),
        q if is_double_quote(q) => rest[q.len_utf8()..]
            .chars()
            .take_while(|c| !is_double_quote(*c))
            .collect(),
        _ => rest
            .chars()
            .take_while(|c| !matches!(c, ',' | ')' | ' '))
            .collect(),
    };
    (!value.is_empty()).then_some(value)
}
