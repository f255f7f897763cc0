//! The syntax tree of a script.

use std::rc::Rc;

/// A byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Statements in order (a script, or the body of a block).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    pub statements: Vec<Statement>,
}

/// `=`, `+=`, `-=`, `*=`, `/=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Subtract,
    Multiply,
    Divide,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// A pipeline whose output goes to the caller (or the console at top level).
    Pipeline(Pipeline),
    /// `target op value`; the target is a variable, member or index expression.
    Assignment {
        target: Expr,
        op: AssignOp,
        value: Box<Statement>,
        span: Span,
    },
    If {
        clauses: Vec<(Pipeline, Script)>,
        otherwise: Option<Script>,
    },
    Foreach {
        variable: String,
        collection: Pipeline,
        body: Script,
    },
    For {
        init: Option<Box<Statement>>,
        condition: Option<Pipeline>,
        step: Option<Box<Statement>>,
        body: Script,
    },
    While {
        condition: Pipeline,
        body: Script,
    },
    /// `do { } while (...)` or `do { } until (...)`.
    DoLoop {
        body: Script,
        condition: Pipeline,
        until: bool,
    },
    Switch {
        subject: Pipeline,
        options: SwitchOptions,
        clauses: Vec<SwitchClause>,
    },
    Function {
        name: String,
        block: Rc<ScriptBlock>,
    },
    Try {
        body: Script,
        catches: Vec<Script>,
        finally: Option<Script>,
    },
    Throw {
        value: Option<Pipeline>,
        span: Span,
    },
    Return(Option<Pipeline>),
    Break,
    Continue,
    Exit(Option<Pipeline>),
}

/// `switch -Wildcard -Regex -CaseSensitive -Exact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwitchOptions {
    pub wildcard: bool,
    pub regex: bool,
    pub case_sensitive: bool,
}

/// `pattern { body }`; `default { body }` has no pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchClause {
    pub pattern: Option<Expr>,
    pub body: Script,
}

/// `element | element | ...`
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub elements: Vec<PipelineElement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PipelineElement {
    Command(CommandCall),
    Expression(Expr),
}

/// `Verb-Noun -Param value positional ...`
#[derive(Debug, Clone, PartialEq)]
pub struct CommandCall {
    pub name: String,
    pub span: Span,
    pub arguments: Vec<CommandArgument>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CommandArgument {
    /// `-Name` (value `None`) or `-Name:value`.
    Parameter {
        name: String,
        value: Option<Expr>,
        span: Span,
    },
    /// A value: positional, or the argument of the preceding `-Name`.
    Value(Expr),
    /// `@name`: a hashtable's entries as named parameters, an array's as positionals.
    Splat { variable: String, span: Span },
}

/// A part of a double-quoted string.
#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Literal(String),
    Variable(String),
    SubExpression(Script),
}

/// `{ param(...) statements }`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScriptBlock {
    pub parameters: Vec<ParameterDeclaration>,
    pub body: Script,
    /// The source text between the braces (how a script block prints).
    pub text: String,
}

/// One parameter of a `param(...)` block or function.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDeclaration {
    pub name: String,
    /// `string`, `int`, `switch`, `string[]`, ... (lowercase), if typed.
    pub type_name: Option<String>,
    pub default: Option<Expr>,
    pub mandatory: bool,
    pub position: Option<u32>,
    pub from_pipeline: bool,
    pub accepted_values: Vec<String>,
}

/// Comparison operators (each has a case-sensitive `-c` form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
    Match,
    NotMatch,
    Contains,
    NotContains,
    In,
    NotIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Range,
    Format,
    And,
    Or,
    Xor,
    Compare {
        op: Comparison,
        case_sensitive: bool,
    },
    Replace {
        case_sensitive: bool,
    },
    Split {
        case_sensitive: bool,
    },
    Join,
    Is,
    IsNot,
    As,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
    Plus,
    Split,
    Join,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Single-quoted string or bareword command argument.
    String(String),
    /// Double-quoted string with `$var` / `$(...)` parts.
    Expandable(Vec<StringPart>),
    Integer(i64),
    Float(f64),
    /// `$name` (`$true`, `$false`, `$null` included).
    Variable(String),
    /// `a, b, c`
    Array(Vec<Expr>),
    /// `@( ... )`
    ArraySubExpression(Script),
    /// `@{ key = value; ... }` (ordered when written `[ordered]@{...}`).
    Hashtable(Vec<(String, Expr)>),
    /// `( pipeline )`
    Paren(Box<Pipeline>),
    /// `$( statements )`
    SubExpression(Script),
    /// `target.Name`
    Member {
        target: Box<Expr>,
        name: String,
    },
    /// `target.Name(args)`
    MethodCall {
        target: Box<Expr>,
        name: String,
        arguments: Vec<Expr>,
    },
    /// `target[index]`
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `{ ... }`
    ScriptBlock(Rc<ScriptBlock>),
    /// `[type] operand`
    Cast {
        type_name: String,
        operand: Box<Expr>,
    },
    /// `[type]` alone
    TypeLiteral(String),
    /// `[type]::Name`
    StaticMember {
        type_name: String,
        name: String,
    },
    /// `[type]::Name(args)`
    StaticCall {
        type_name: String,
        name: String,
        arguments: Vec<Expr>,
    },
}
