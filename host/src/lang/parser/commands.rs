//! Pipelines and commands in command mode: names, arguments, barewords.

use super::*;

impl Parser<'_> {
    pub(super) fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let outer = std::mem::replace(&mut self.no_comma, false);
        let result = self.pipeline_elements();
        self.no_comma = outer;
        result
    }

    pub(super) fn pipeline_elements(&mut self) -> Result<Pipeline, ParseError> {
        let start = self.pos;
        let mut elements = vec![self.element()?];
        // `$json > out.txt`, `"line" >> log.txt`: an expression's output redirected, as
        // if it went through Write-Output with the redirection.
        if matches!(elements[0], PipelineElement::Expression(_)) {
            self.skip_inline()?;
            let at = self.pos;
            let mut redirections = Vec::new();
            while let Some(r) = self.redirection()? {
                redirections.push(r);
                self.skip_inline()?;
            }
            if !redirections.is_empty() {
                elements.push(PipelineElement::Command(CommandCall {
                    name: "Write-Output".into(),
                    span: Span {
                        start: at,
                        end: self.pos,
                    },
                    arguments: Vec::new(),
                    invoked: None,
                    dot_sourced: false,
                    redirections,
                }));
            }
        }
        loop {
            self.skip_inline()?;
            if self.rest().starts_with("||") || !self.eat('|') {
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

    pub(super) fn element(&mut self) -> Result<PipelineElement, ParseError> {
        match self.peek() {
            // A name, or a path to a program or script: `./x.ps1`, `../x.ps1`, `/usr/bin/x`.
            Some(c)
                if c.is_alphabetic()
                    || c == '_'
                    || (c == '.' && matches!(self.peek2(), Some('/' | '\\')))
                    || self.rest().starts_with("../")
                    || self.rest().starts_with("..\\")
                    || (c == '/'
                        && self
                            .peek2()
                            .is_some_and(|d| d.is_alphanumeric() || d == '_')) =>
            {
                Ok(PipelineElement::Command(self.command()?))
            }
            Some('%' | '?') if self.peek2().is_none_or(|c| c.is_whitespace()) => {
                Ok(PipelineElement::Command(self.command()?))
            }
            Some('&') if self.peek2() != Some('&') => {
                self.bump();
                self.skip_inline()?;
                self.invocation(false)
            }
            Some('.') if self.peek2().is_some_and(|c| c == ' ' || c == '\t') => {
                self.bump();
                self.skip_inline()?;
                self.invocation(true)
            }
            _ => Ok(PipelineElement::Expression(self.expression()?)),
        }
    }

    pub(super) fn bareword(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if ends_bareword(c) {
                break;
            }
            self.bump();
        }
        self.src[start..self.pos].to_string()
    }

    /// After `&` or `.`: a command name, or an expression whose value is the command (a
    /// script block, a name or a path in a variable or string).
    fn invocation(&mut self, dot_sourced: bool) -> Result<PipelineElement, ParseError> {
        let start = self.pos;
        let invoked = match self.peek() {
            Some('$' | '(' | '{') => Some(self.postfix_expression()?),
            Some('"') => Some(self.primary()?),
            _ => None,
        };
        let mut call = match invoked {
            Some(expr) => self.command_arguments(String::new(), start, Some(expr))?,
            None => self.command()?,
        };
        call.dot_sourced = dot_sourced;
        Ok(PipelineElement::Command(call))
    }

    /// A redirection at the cursor (`>`, `>>`, `2>&1`, `*>`, `3>$null`), if one starts here.
    fn redirection(&mut self) -> Result<Option<Redirection>, ParseError> {
        let rest = self.rest();
        let (stream, skip) = match rest.chars().next() {
            Some('>') => (Stream::Output, 0),
            Some(c @ ('*' | '1'..='6')) if rest[1..].starts_with('>') => (
                match c {
                    '*' => Stream::All,
                    '1' => Stream::Output,
                    '2' => Stream::Error,
                    '3' => Stream::Warning,
                    '4' => Stream::Verbose,
                    '5' => Stream::Debug,
                    _ => Stream::Information,
                },
                1,
            ),
            _ => return Ok(None),
        };
        self.pos += skip + 1;
        let append = self.eat('>');
        if !append && self.rest().starts_with("&1") {
            self.pos += 2;
            return Ok(Some(Redirection::Merge(stream)));
        }
        self.skip_inline()?;
        if self.at_statement_end() || self.peek() == Some('|') {
            return Err(self.error("Missing file specification after redirection operator."));
        }
        let target = self.arg_primary()?;
        Ok(Some(Redirection::File {
            stream,
            target,
            append,
        }))
    }

    pub(super) fn command(&mut self) -> Result<CommandCall, ParseError> {
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
        self.command_arguments(name, start, None)
    }

    /// The arguments and redirections of a command whose name (or invoked expression)
    /// was read.
    fn command_arguments(
        &mut self,
        name: String,
        start: usize,
        invoked: Option<Expr>,
    ) -> Result<CommandCall, ParseError> {
        let span = Span {
            start,
            end: self.pos,
        };
        let mut arguments = Vec::new();
        let mut redirections = Vec::new();
        let mut parameters_ended = false;
        loop {
            self.skip_inline()?;
            if let Some(r) = self.redirection()? {
                redirections.push(r);
                continue;
            }
            match self.peek() {
                None | Some('\n' | ';' | '|' | ')' | '}') => break,
                Some('&') if self.peek2() == Some('&') => break,
                Some('-')
                    if !parameters_ended
                        && self.rest().starts_with("--")
                        && self.rest()[2..].chars().next().is_none_or(|c| {
                            c.is_whitespace() || matches!(c, ';' | '|' | ')' | '}')
                        }) =>
                {
                    self.pos += 2;
                    parameters_ended = true;
                    arguments.push(CommandArgument::EndOfParameters);
                }
                Some('-')
                    if !parameters_ended
                        && self
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
            invoked,
            dot_sourced: false,
            redirections,
        })
    }

    /// A command argument: one value or a comma list of them.
    pub(super) fn arg_value(&mut self) -> Result<Expr, ParseError> {
        self.comma_list(Self::arg_primary)
    }

    /// `item` or `item, item, ...` (an array); newlines may follow each comma.
    pub(super) fn comma_list(
        &mut self,
        item: fn(&mut Self) -> Result<Expr, ParseError>,
    ) -> Result<Expr, ParseError> {
        let leading_comma = self.peek() == Some(',');
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
        // `, $x, $y`: the unary comma starts the array the others are appended to (the
        // array's first element is $x itself).
        if leading_comma
            && items.len() > 1
            && let Expr::Array(first) = &mut items[0]
            && first.len() == 1
        {
            let first = first.remove(0);
            items[0] = first;
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Array(items)
        })
    }

    pub(super) fn arg_primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some('$' | '(' | '@' | '{') => self.postfix_expression(),
            Some(q) if is_single_quote(q) || is_double_quote(q) => self.postfix_expression(),
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
    pub(super) fn argument_word(&mut self) -> Result<Expr, ParseError> {
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
}
