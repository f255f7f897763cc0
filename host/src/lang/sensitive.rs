//! Which command lines give a secret as literal text, so the interactive history can
//! leave them out (as PSReadLine's sensitive-history filter does).
//!
//! A line is looked at only when it contains `password`, `asplaintext`, `token`,
//! `apikey` or `secret` (PSReadLine's pattern, any case). It then reveals a secret when
//! its syntax tree has:
//!
//! - a parameter with such a name whose argument is a literal (`-Password 'P@ss'`,
//!   `-Password P@ss`, `-Token:"abc"`), or such a parameter used as a switch in a command
//!   that has a literal argument (`ConvertTo-SecureString 'x' -AsPlainText -Force`);
//! - an assignment of a literal to such a variable, member, key or class property
//!   (`$token = "abc"`, `$cred.Password = 'x'`, `$h['apikey'] = 'k'`,
//!   `param($Password = 'x')`);
//! - a hashtable entry with such a key and a literal value (`@{password = 'x'}`);
//! - a method with such a name called with a literal (`$c.SetPassword('x')`);
//! - a string that holds such a word followed by `=` or `:` and a value
//!   (`curl -d "password=hunter2"`, `-H 'X-Api-Token: abc'`).
//!
//! A secret that comes from a variable, a command (`Read-Host -AsSecureString`,
//! `Get-Credential`, `Get-Secret`) or a file is not in the line, and the line is kept.
//! A line that does not parse but contains one of the words is treated as revealing.

use super::ast::{
    CommandArgument, CommandCall, Expr, ParameterDeclaration, Pipeline, PipelineElement,
    Redirection, Script, ScriptBlock, Statement, StringPart,
};

/// The words that make a name sensitive (matched without case, anywhere in the name).
const SENSITIVE_WORDS: &[&str] = &[
    "password",
    "passphrase",
    "asplaintext",
    "token",
    "apikey",
    "secret",
];

/// Whether `text` contains one of the sensitive words.
fn sensitive(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SENSITIVE_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a parameter name is sensitive, or abbreviates a sensitive word as PowerShell
/// lets parameters be abbreviated (`-Pass`, `-Pa` for `-Password`).
fn sensitive_parameter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    sensitive(&lower) || (lower.len() >= 2 && SENSITIVE_WORDS.iter().any(|w| w.starts_with(&lower)))
}

/// Whether a line may hold a secret: a sensitive word, or a parameter that
/// abbreviates one.
fn may_be_sensitive(line: &str) -> bool {
    sensitive(line)
        || line
            .split(|c: char| c.is_whitespace() || c == '(')
            .any(|word| {
                word.strip_prefix('-')
                    .is_some_and(|name| sensitive_parameter(name.split(':').next().unwrap_or(name)))
            })
}

/// Whether a command line gives a secret as literal text (and should stay out of
/// history files).
pub fn reveals_secret(line: &str) -> bool {
    if !may_be_sensitive(line) {
        return false;
    }
    match super::parse(line) {
        Ok(parsed) => script(&parsed),
        Err(_) => true,
    }
}

/// A value written in the line itself: a quoted string or bareword, a number, or an
/// expression built from one.
fn literal(e: &Expr) -> bool {
    match e {
        Expr::String(_) | Expr::Integer(_) | Expr::Float(_) => true,
        Expr::Expandable(parts) => parts
            .iter()
            .any(|p| matches!(p, StringPart::Literal(s) if !s.is_empty())),
        Expr::Array(items) => items.iter().any(literal),
        Expr::Binary { left, right, .. } => literal(left) || literal(right),
        Expr::Unary { operand, .. } | Expr::Cast { operand, .. } => literal(operand),
        Expr::Paren(p) => single_literal(p),
        _ => false,
    }
}

/// A pipeline that is just one literal expression.
fn single_literal(p: &Pipeline) -> bool {
    matches!(&p.elements[..], [PipelineElement::Expression(x)] if literal(x))
}

/// Text with a sensitive word followed by `=` or `:` and a value (`password=hunter2`).
fn key_value_text(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SENSITIVE_WORDS.iter().any(|word| {
        lower.match_indices(word).any(|(i, _)| {
            let rest = lower[i + word.len()..].trim_start();
            let mut chars = rest.chars();
            matches!(chars.next(), Some('=' | ':'))
                && chars.as_str().trim_start().chars().next().is_some()
        })
    })
}

/// Whether an assignment target names a secret (`$token`, `$x.Password`, `$h['apikey']`).
fn sensitive_target(e: &Expr) -> bool {
    match e {
        Expr::Variable(name) => sensitive(name),
        Expr::Member { target, name } => sensitive(name) || sensitive_target(target),
        Expr::Index { target, index } => {
            sensitive_target(target) || matches!(&**index, Expr::String(key) if sensitive(key))
        }
        Expr::Cast { operand, .. } => sensitive_target(operand),
        // `$user, $password = ...`
        Expr::Array(targets) => targets.iter().any(sensitive_target),
        _ => false,
    }
}

fn script(s: &Script) -> bool {
    s.statements.iter().any(statement)
}

fn script_block(b: &ScriptBlock) -> bool {
    b.parameters.iter().any(parameter)
        || b.begin.as_ref().is_some_and(script)
        || b.process.as_ref().is_some_and(script)
        || script(&b.body)
}

fn parameter(p: &ParameterDeclaration) -> bool {
    p.default
        .as_ref()
        .is_some_and(|d| (sensitive(&p.name) && literal(d)) || expr(d))
}

fn statement(s: &Statement) -> bool {
    match s {
        Statement::Pipeline(p) => pipeline(p),
        Statement::Assignment { target, value, .. } => {
            let literal_value = matches!(&**value, Statement::Pipeline(p) if single_literal(p));
            (sensitive_target(target) && literal_value) || expr(target) || statement(value)
        }
        Statement::If { clauses, otherwise } => {
            clauses.iter().any(|(c, body)| pipeline(c) || script(body))
                || otherwise.as_ref().is_some_and(script)
        }
        Statement::Foreach {
            collection, body, ..
        } => pipeline(collection) || script(body),
        Statement::For {
            init,
            condition,
            step,
            body,
        } => {
            init.as_deref().is_some_and(statement)
                || condition.as_ref().is_some_and(pipeline)
                || step.as_deref().is_some_and(statement)
                || script(body)
        }
        Statement::While { condition, body }
        | Statement::DoLoop {
            condition, body, ..
        } => pipeline(condition) || script(body),
        Statement::Switch {
            subject, clauses, ..
        } => {
            pipeline(subject)
                || clauses
                    .iter()
                    .any(|c| c.pattern.as_ref().is_some_and(expr) || script(&c.body))
        }
        Statement::Function { block, .. } => script_block(block),
        Statement::Try {
            body,
            catches,
            finally,
        } => {
            script(body)
                || catches.iter().any(|(_, s)| script(s))
                || finally.as_ref().is_some_and(script)
        }
        Statement::Throw { value, .. } | Statement::Return(value) | Statement::Exit(value) => {
            value.as_ref().is_some_and(pipeline)
        }
        Statement::Trap(s) => script(s),
        Statement::Chain { first, rest } => {
            pipeline(first) || rest.iter().any(|(_, p)| pipeline(p))
        }
        Statement::Labeled { statement: s, .. } => statement(s),
        Statement::Class(c) => {
            c.properties.iter().any(|p| {
                p.default
                    .as_ref()
                    .is_some_and(|d| (sensitive(&p.name) && literal(d)) || expr(d))
            }) || c
                .methods
                .iter()
                .chain(&c.constructors)
                .any(|m| m.parameters.iter().any(parameter) || script_block(&m.body))
        }
        Statement::Break(_) | Statement::Continue(_) | Statement::Enum(_) => false,
    }
}

fn pipeline(p: &Pipeline) -> bool {
    p.elements.iter().any(|e| match e {
        PipelineElement::Command(c) => command(c),
        PipelineElement::Expression(x) => expr(x),
    })
}

/// The value an argument carries (`-Name:value` or a plain value).
fn argument_value(a: &CommandArgument) -> Option<&Expr> {
    match a {
        CommandArgument::Parameter { value, .. } => value.as_ref(),
        CommandArgument::Value(v) => Some(v),
        CommandArgument::Splat { .. } | CommandArgument::EndOfParameters => None,
    }
}

fn command(c: &CommandCall) -> bool {
    let args = &c.arguments;
    let mut sensitive_switch = false;
    for (i, arg) in args.iter().enumerate() {
        if let CommandArgument::Parameter { name, value, .. } = arg
            && sensitive_parameter(name)
        {
            // `-Name:value`, or the value after `-Name`.
            let given = match value {
                Some(v) => Some(v),
                None => match args.get(i + 1) {
                    Some(CommandArgument::Value(v)) => Some(v),
                    _ => None,
                },
            };
            match given {
                Some(v) if literal(v) => return true,
                Some(_) => {}
                None => sensitive_switch = true,
            }
        }
    }
    // `-AsPlainText` (a switch): the secret is a literal argument elsewhere in the command.
    if sensitive_switch && args.iter().filter_map(argument_value).any(literal) {
        return true;
    }
    c.invoked.as_ref().is_some_and(expr)
        || args.iter().filter_map(argument_value).any(expr)
        || c.redirections
            .iter()
            .any(|r| matches!(r, Redirection::File { target, .. } if expr(target)))
}

fn expr(e: &Expr) -> bool {
    match e {
        Expr::String(s) => key_value_text(s),
        Expr::Expandable(parts) => parts.iter().any(|p| match p {
            StringPart::Literal(s) => key_value_text(s),
            StringPart::SubExpression(s) => script(s),
            StringPart::Variable(_) => false,
        }),
        Expr::Integer(_)
        | Expr::Float(_)
        | Expr::Variable(_)
        | Expr::TypeLiteral(_)
        | Expr::StaticMember { .. } => false,
        Expr::DynamicStaticMember { name, .. } => expr(name),
        Expr::Array(items) => items.iter().any(expr),
        Expr::ArraySubExpression(s) | Expr::SubExpression(s) => script(s),
        Expr::Hashtable(entries) => entries
            .iter()
            .any(|(key, value)| (sensitive(key) && literal(value)) || expr(value)),
        Expr::Paren(p) => pipeline(p),
        Expr::Member { target, .. } => expr(target),
        Expr::MethodCall {
            target,
            name,
            arguments,
        } => {
            (sensitive(name) && arguments.iter().any(literal))
                || expr(target)
                || arguments.iter().any(expr)
        }
        Expr::StaticCall {
            name, arguments, ..
        } => (sensitive(name) && arguments.iter().any(literal)) || arguments.iter().any(expr),
        Expr::Index { target, index } => expr(target) || expr(index),
        Expr::Binary { left, right, .. } => expr(left) || expr(right),
        Expr::Unary { operand, .. } | Expr::Cast { operand, .. } => expr(operand),
        Expr::ScriptBlock(b) => script_block(b),
        Expr::Ternary {
            condition,
            then,
            otherwise,
        } => expr(condition) || expr(then) || expr(otherwise),
        Expr::Coalesce(a, b) => expr(a) || expr(b),
        Expr::IncDec { target, .. } => expr(target),
        Expr::Assign(s) => statement(s),
    }
}

#[cfg(test)]
mod tests {
    use super::reveals_secret;

    #[test]
    fn abbreviated_parameters_and_passphrases_are_secrets_too() {
        for line in [
            "New-ApiAccount -User admin4 -Pass 'Secret-Pass7'",
            "New-ApiAccount -UserName b1 -Pa 'Qwerty-00001'",
            "$env:CERTHOST_STORE_PASSPHRASE = 'Qwerty-00004'",
        ] {
            assert!(reveals_secret(line), "{line}");
        }
        for line in [
            "Get-ChildItem -Path Cert:\\LocalMachine\\My",
            "New-ApiAccount -Pass $pw",
        ] {
            assert!(!reveals_secret(line), "{line}");
        }
    }

    #[test]
    fn literal_secrets_stay_out_of_history() {
        for line in [
            "New-ApiAccount -UserName admin -Password 'P@ssw0rd!'",
            "New-ApiAccount -UserName admin -Password P@ssw0rd",
            "New-ApiAccount -UserName admin -Password:\"P@ssw0rd!\"",
            "ConvertTo-SecureString -String 'x' -AsPlainText -Force",
            "ConvertTo-SecureString 'x' -AsPlainText -Force",
            "Import-PfxCertificate -FilePath a.pfx -Password (ConvertTo-SecureString 'pw' -AsPlainText -Force)",
            "$token = \"abc\"",
            "$env:API_TOKEN = 'abc'",
            "[string]$password = 'abc'",
            "$user, $password = 'admin', 'abc'",
            "$cred.Password = 'x'",
            "$h['apikey'] = 'k'",
            "$form = @{ grant_type = 'password'; username = 'admin'; password = 'P@ss' }",
            "Invoke-RestMethod -Uri $u -Body @{ password = 'P@ss' }",
            "curl -d \"username=admin&password=hunter2\" https://h/api/oauth2/token",
            "Invoke-RestMethod $u -Headers @{ 'X-Api-Token' = 'abc' }",
            "Get-Item x | ForEach-Object { Export-PfxCertificate -Cert $_ -FilePath a.pfx -Password (ConvertTo-SecureString pw -AsPlainText -Force) }",
            "function f { param($Password = 'x') }",
            "Export-PfxCertificate -Cert $c -FilePath b.pfx -CertificatePassword 1234",
            // Not a complete command line: cannot tell, so not kept.
            "New-ApiAccount -Password 'unterminated",
        ] {
            assert!(reveals_secret(line), "{line}");
        }
    }

    #[test]
    fn secrets_from_variables_and_commands_are_kept() {
        for line in [
            "Import-PfxCertificate -FilePath a.pfx -Password $pw",
            "Import-PfxCertificate -FilePath 'a b.pfx' -Password $pw",
            "$pw = Read-Host -AsSecureString",
            "$pw = Read-Host 'PFX password' -AsSecureString",
            "Get-Credential",
            "Get-ChildItem Cert:\\LocalMachine\\My",
            "ConvertTo-SecureString -String $plain -AsPlainText -Force",
            "Import-PfxCertificate -FilePath a.pfx -Password (Read-Host -AsSecureString)",
            "$token = Invoke-RestMethod -Method Post $u -Body $form",
            "$token = $response.access_token",
            "Invoke-RestMethod $u -Headers @{ Authorization = \"Bearer $token\" }",
            "Remove-ApiAccount -UserName tokenbot",
            "Get-Secret -Name pfx",
            "\"password=$pw\"",
            "Add-VBRBackupServerCertificate -CertificatePath \"certs/a.crt\" -PrivateKeyPath \"certs/a.key\" -Password (Read-Host -AsSecureString \"Enter certificate password\")",
        ] {
            assert!(!reveals_secret(line), "{line}");
        }
    }
}
