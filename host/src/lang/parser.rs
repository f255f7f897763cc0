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

mod classes;
mod commands;
mod expressions;
mod statements;
mod strings;

use expressions::number_literal;

/// Parses a script file or command: an optional `param(...)` and the statements (or
/// `begin`/`process`/`end` blocks).
pub fn parse_block(source: &str) -> Result<ScriptBlock, ParseError> {
    let mut p = Parser {
        src: source,
        pos: 0,
        no_comma: false,
    };
    let mut block = p.block_body(None)?;
    if p.pos < source.len() {
        let c = p.peek().unwrap_or(' ');
        return Err(p.error(format!(
            "Unexpected token '{c}' in expression or statement."
        )));
    }
    block.text = source.to_string();
    Ok(block)
}

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

/// A single quote, straight or typographic (pwsh takes ‘ ’ ‚ ‛ as `'`).
fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// A double quote, straight or typographic (pwsh takes “ ” „ as `"`).
fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters that end a bareword in command mode.
fn ends_bareword(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '|' | ';' | '(' | ')' | '{' | '}' | ',' | '\'' | '"' | '>'
        )
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

    /// A path to a program runs it, as in pwsh: absolute, `./` and `../`.
    #[test]
    fn paths_are_commands() {
        assert_eq!(command("/usr/bin/openssl version").name, "/usr/bin/openssl");
        assert_eq!(command("../deploy.ps1 -Force").name, "../deploy.ps1");
        assert_eq!(command("./renew.ps1").name, "./renew.ps1");
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
