//! The syntax tree of a script.

/// A byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A whole script: statements in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// A pipeline whose output goes to the caller (or the console at top level).
    Pipeline(Pipeline),
    /// `$name = <pipeline>`.
    Assignment {
        variable: String,
        value: Pipeline,
        span: Span,
    },
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
    /// `@{ key = value; ... }`
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
}
