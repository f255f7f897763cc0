//! Expressions in expression mode, by PowerShell's precedence, with members, indexing, hashtables and the operator tables.

use super::*;

impl Parser<'_> {
    pub(super) fn expression(&mut self) -> Result<Expr, ParseError> {
        self.ternary()
    }

    /// `condition ? then : otherwise` (spaces around `?` and `:`).
    pub(super) fn ternary(&mut self) -> Result<Expr, ParseError> {
        let condition = self.coalesce()?;
        let save = self.pos;
        self.skip_inline()?;
        if self.peek() == Some('?') && self.peek2().is_some_and(char::is_whitespace) {
            self.bump();
            self.skip_newlines()?;
            let then = self.ternary()?;
            self.skip_newlines()?;
            if !(self.peek() == Some(':') && self.peek2().is_some_and(char::is_whitespace)) {
                return Err(self.error("Missing ':' in the ternary expression."));
            }
            self.bump();
            self.skip_newlines()?;
            let otherwise = self.ternary()?;
            return Ok(Expr::Ternary {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            });
        }
        self.pos = save;
        Ok(condition)
    }

    /// `left ?? right`
    pub(super) fn coalesce(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.logical()?;
        loop {
            let save = self.pos;
            self.skip_inline()?;
            if self.rest().starts_with("??") && !self.rest().starts_with("??=") {
                self.pos += 2;
                self.skip_newlines()?;
                let right = self.logical()?;
                left = Expr::Coalesce(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    /// An expression in which `,` ends the expression (parameter defaults, method
    /// arguments) instead of building an array.
    pub(super) fn expression_no_comma(&mut self) -> Result<Expr, ParseError> {
        let outer = std::mem::replace(&mut self.no_comma, true);
        let result = self.ternary();
        self.no_comma = outer;
        result
    }

    /// The `-word` operator at the cursor (after spaces), if `accept` knows it; the
    /// cursor moves past it and any newlines after it.
    pub(super) fn operator<T>(
        &mut self,
        accept: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ParseError> {
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
    pub(super) fn symbol(&mut self, symbols: &[&str]) -> Result<Option<usize>, ParseError> {
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

    pub(super) fn logical(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.bitwise()?;
        while let Some(op) = self.operator(|w| match w {
            "and" => Some(BinaryOp::And),
            "or" => Some(BinaryOp::Or),
            "xor" => Some(BinaryOp::Xor),
            _ => None,
        })? {
            let right = self.bitwise()?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    /// `-band`, `-bor`, `-bxor`.
    pub(super) fn bitwise(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.comparison()?;
        while let Some(op) = self.operator(|w| match w {
            "band" => Some(BinaryOp::BitAnd),
            "bor" => Some(BinaryOp::BitOr),
            "bxor" => Some(BinaryOp::BitXor),
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

    pub(super) fn comparison(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn additive(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn multiplicative(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn negation(&mut self) -> Result<Expr, ParseError> {
        match (self.peek(), self.peek2()) {
            (Some('-'), Some(c)) if !c.is_ascii_alphabetic() && !c.is_ascii_digit() && c != '-' => {
                self.bump();
                self.skip_inline()?;
                Ok(Expr::Unary {
                    op: UnaryOp::Negate,
                    operand: Box::new(self.negation()?),
                })
            }
            // (`+5` is a number literal, as `-5` is.)
            (Some('+'), Some(c)) if c != '+' && !c.is_ascii_digit() => {
                self.bump();
                Ok(Expr::Unary {
                    op: UnaryOp::Plus,
                    operand: Box::new(self.negation()?),
                })
            }
            _ => self.format(),
        }
    }

    pub(super) fn format(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn range(&mut self) -> Result<Expr, ParseError> {
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

    pub(super) fn not(&mut self) -> Result<Expr, ParseError> {
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
        if self.operator(|w| (w == "bnot").then_some(()))?.is_some() {
            return Ok(Expr::Unary {
                op: UnaryOp::BitNot,
                operand: Box::new(self.not()?),
            });
        }
        if self.no_comma {
            self.unary()
        } else {
            self.comma_list(Self::unary)
        }
    }

    pub(super) fn unary(&mut self) -> Result<Expr, ParseError> {
        // `, $x`: an array of one element (the unary comma).
        if self.peek() == Some(',') {
            self.bump();
            self.skip_newlines()?;
            let operand = self.unary()?;
            return Ok(Expr::Array(vec![operand]));
        }
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
                // `[Type]::$name`: the member named by a variable's value.
                if self.peek() == Some('$') {
                    let name = Box::new(Expr::Variable(self.variable_name()?));
                    return self.postfix(Expr::DynamicStaticMember { type_name, name });
                }
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
            // `[int] -5` casts; `[type] -eq [other]` compares a type literal.
            let operator_follows =
                self.peek() == Some('-') && self.peek2().is_some_and(|c| c.is_ascii_alphabetic());
            if !operator_follows
                && self.peek().is_some_and(|c| {
                    matches!(c, '$' | '\'' | '"' | '(' | '@' | '[' | '{')
                        || c.is_ascii_digit()
                        || c == '-'
                })
            {
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

    pub(super) fn postfix_expression(&mut self) -> Result<Expr, ParseError> {
        // `++$x` / `--$x`
        if (self.rest().starts_with("++") || self.rest().starts_with("--"))
            && self.rest()[2..].starts_with('$')
        {
            let delta = if self.rest().starts_with('+') { 1 } else { -1 };
            self.pos += 2;
            let target = self.postfix_expression_no_increment()?;
            return Ok(Expr::IncDec {
                target: Box::new(target),
                delta,
                prefix: true,
            });
        }
        let expr = self.postfix_expression_no_increment()?;
        if matches!(
            expr,
            Expr::Variable(_) | Expr::Member { .. } | Expr::Index { .. }
        ) && (self.rest().starts_with("++") || self.rest().starts_with("--"))
        {
            let delta = if self.rest().starts_with('+') { 1 } else { -1 };
            self.pos += 2;
            return Ok(Expr::IncDec {
                target: Box::new(expr),
                delta,
                prefix: false,
            });
        }
        Ok(expr)
    }

    /// A primary with members and indexes, without a trailing `++`/`--`.
    pub(super) fn postfix_expression_no_increment(&mut self) -> Result<Expr, ParseError> {
        let primary = self.primary()?;
        self.postfix(primary)
    }

    pub(super) fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(q) if is_single_quote(q) => self.single_quoted(),
            Some(q) if is_double_quote(q) => self.double_quoted(),
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
                let outer = std::mem::replace(&mut self.no_comma, false);
                let assignment = self.assignment_in_parens();
                self.no_comma = outer;
                if let Some(statement) = assignment? {
                    self.expect_close(')', "Missing closing ')' in expression.")?;
                    return Ok(Expr::Assign(Box::new(statement)));
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
                    || (matches!(c, '-' | '+')
                        && self.peek2().is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = self.pos;
                self.bump();
                while let Some(c) = self.peek() {
                    let decimal_point = c == '.'
                        && self.peek2().is_some_and(|d| d.is_ascii_digit())
                        && !self.src[start..self.pos].contains('.');
                    let so_far = &self.src[start..self.pos];
                    let exponent_sign = matches!(c, '-' | '+')
                        && so_far.ends_with(['e', 'E'])
                        && !so_far.to_ascii_lowercase().starts_with("0x")
                        && self.peek2().is_some_and(|d| d.is_ascii_digit());
                    if c.is_ascii_alphanumeric() || decimal_point || exponent_sign {
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

    pub(super) fn expect_close(&mut self, c: char, message: &str) -> Result<(), ParseError> {
        self.skip_newlines()?;
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    /// Arguments of a method call after `(`, through `)`.
    pub(super) fn call_arguments(&mut self) -> Result<Vec<Expr>, ParseError> {
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

    pub(super) fn postfix(&mut self, mut expr: Expr) -> Result<Expr, ParseError> {
        loop {
            // `?.` and `?[`: nothing when the target is $null.
            if self.rest().starts_with("?.") || self.rest().starts_with("?[") {
                self.bump();
                let target = expr.clone();
                let access = self.postfix(expr)?;
                let null_check = Expr::Binary {
                    op: BinaryOp::Compare {
                        op: Comparison::Eq,
                        case_sensitive: false,
                    },
                    left: Box::new(Expr::Variable("null".into())),
                    right: Box::new(target),
                };
                return Ok(Expr::Ternary {
                    condition: Box::new(null_check),
                    then: Box::new(Expr::Variable("null".into())),
                    otherwise: Box::new(access),
                });
            }
            match (self.peek(), self.peek2()) {
                // `$h.'key with spaces'` / `$h."name"`: a member named by a string.
                (Some('.'), Some('\'' | '"')) => {
                    self.bump();
                    let name = match self.primary()? {
                        Expr::String(s) => s,
                        Expr::Expandable(parts) => parts
                            .iter()
                            .map(|p| match p {
                                StringPart::Literal(s) => s.clone(),
                                _ => String::new(),
                            })
                            .collect(),
                        _ => String::new(),
                    };
                    expr = Expr::Member {
                        target: Box::new(expr),
                        name,
                    };
                }
                (Some('.'), Some(c)) if is_ident(c) => {
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(is_ident) {
                        self.bump();
                    }
                    let name = self.src[start..self.pos].to_string();
                    if self.peek() == Some('{')
                        && (name.eq_ignore_ascii_case("foreach")
                            || name.eq_ignore_ascii_case("where"))
                    {
                        // `.ForEach{ ... }` / `.Where{ ... }`: a script block without parentheses.
                        let block = Expr::ScriptBlock(Rc::new(self.script_block()?));
                        expr = Expr::MethodCall {
                            target: Box::new(expr),
                            name,
                            arguments: vec![block],
                        };
                    } else if self.eat('(') {
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

    pub(super) fn variable_name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump(); // '$'
        if self.eat('{') {
            // `${name}`; a backtick escapes the next character (`${a`{b`}}`).
            let mut name = String::new();
            while let Some(c) = self.peek() {
                if c == '}' {
                    break;
                }
                self.bump();
                if c == '`' {
                    if let Some(escaped) = self.bump() {
                        name.push(escaped);
                    }
                } else {
                    name.push(c);
                }
            }
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

    pub(super) fn hashtable(&mut self) -> Result<Expr, ParseError> {
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
                Some(q) if is_single_quote(q) || is_double_quote(q) => {
                    match literal_text(self.primary()?) {
                        Some(s) => s,
                        _ => {
                            return Err(
                                self.error("A hash key in double quotes cannot contain variables.")
                            );
                        }
                    }
                }
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

/// Comparison-level operators that take a `c` (case-sensitive) or `i` prefix.
pub(super) const CASED_OPERATORS: &[&str] = &[
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
pub(super) fn comparison_operator(word: &str) -> Option<BinaryOp> {
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
        "shl" => return Some(BinaryOp::ShiftLeft),
        "shr" => return Some(BinaryOp::ShiftRight),
        "isnot" => return Some(BinaryOp::IsNot),
        "as" => return Some(BinaryOp::As),
        _ => return None,
    };
    Some(BinaryOp::Compare { op, case_sensitive })
}

/// `42`, `0x1F`, `0b101`, `1.5`, `1e3`, `2KB`, `-3`, with a type suffix (`l`, `u`, `d`,
/// `y`, `s`, `n`); `None` for anything else.
pub(super) fn number_literal(text: &str) -> Option<Expr> {
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
        None => (
            false,
            body.strip_prefix('+').map(str::to_string).unwrap_or(body),
        ),
    };
    let sign = if negative { -1 } else { 1 };
    let radix = |digits: &str, prefix: &str, radix: u32| -> Option<Expr> {
        let rest = digits.strip_prefix(prefix)?;
        let rest = ["ul", "uy", "us", "l", "u", "y", "s", "n"]
            .iter()
            .find_map(|s| {
                rest.strip_suffix(s)
                    .filter(|r| i64::from_str_radix(r, radix).is_ok())
            })
            .unwrap_or(rest);
        i64::from_str_radix(rest, radix)
            .ok()
            .map(|v| Expr::Integer(sign * v * multiplier))
    };
    if digits.starts_with("0x") {
        return radix(&digits, "0x", 16);
    }
    if digits.starts_with("0b") {
        return radix(&digits, "0b", 2);
    }
    if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let (number, decimal) = match ["ul", "uy", "us", "l", "u", "y", "s", "n", "d"]
        .iter()
        .find_map(|s| digits.strip_suffix(s).map(|r| (r, *s == "d")))
    {
        Some((rest, decimal)) if !rest.is_empty() => (rest.to_string(), decimal),
        _ => (digits.clone(), false),
    };
    if let Ok(v) = number.parse::<i64>()
        && !decimal
    {
        return v.checked_mul(multiplier).map(|v| Expr::Integer(sign * v));
    }
    let float_shape = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '-' | '+'))
        && number.matches('.').count() <= 1;
    if float_shape && let Ok(v) = number.parse::<f64>() {
        let v = sign as f64 * v * multiplier as f64;
        if decimal && v.fract() == 0.0 && v.abs() < 9.0e15 {
            return Some(Expr::Integer(v as i64));
        }
        return Some(Expr::Float(v));
    }
    None
}
