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

/// `=`, `+=`, `-=`, `*=`, `/=`, `%=`, `??=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Coalesce,
}

/// An `enum` definition: members with optional values.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDefinition {
    pub name: String,
    /// `[Flags()]`: values combine (`A, B`).
    pub flags: bool,
    /// The integer type after `:` (`short`), if given.
    pub underlying: Option<String>,
    pub members: Vec<(String, Option<Expr>)>,
}

/// A `class` definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassDefinition {
    pub name: String,
    /// What follows `:`: a base class and interfaces (`Base, System.IComparable`).
    pub bases: Vec<String>,
    pub properties: Vec<PropertyDefinition>,
    pub methods: Vec<MethodDefinition>,
    pub constructors: Vec<MethodDefinition>,
}

/// `[hidden] [static] [type] $Name = default` in a class.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyDefinition {
    pub name: String,
    /// Lowercase, as parameter types are.
    pub type_name: Option<String>,
    pub is_static: bool,
    pub hidden: bool,
    pub default: Option<Expr>,
    pub validations: Vec<Validation>,
}

/// A method (`[type] Name(params) { }`) or constructor (`Name(params) : base(args) { }`).
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDefinition {
    pub name: String,
    /// The return type, lowercase (`None` or `void`: returns nothing).
    pub return_type: Option<String>,
    pub is_static: bool,
    pub hidden: bool,
    pub parameters: Vec<ParameterDeclaration>,
    /// A constructor's `: base(args)`.
    pub base_arguments: Option<Vec<Expr>>,
    pub body: Rc<ScriptBlock>,
}

/// `&&` or `||`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainOp {
    And,
    Or,
}

/// A stream a redirection takes (`2>`, `3>&1`, `*>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    All,
    Output,
    Error,
    Warning,
    Verbose,
    Debug,
    Information,
}

/// `2>&1`, `> file`, `>> file`, `3>$null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Redirection {
    /// The stream goes into the output stream.
    Merge(Stream),
    /// The stream goes to a file (`$null` discards it).
    File {
        stream: Stream,
        target: Expr,
        append: bool,
    },
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
        /// `catch [Type1], [Type2] { }`: the type names (lowercase; none catches all).
        catches: Vec<(Vec<String>, Script)>,
        finally: Option<Script>,
    },
    Throw {
        value: Option<Pipeline>,
        span: Span,
    },
    Return(Option<Pipeline>),
    /// `break` or `break label`.
    Break(Option<String>),
    /// `continue` or `continue label`.
    Continue(Option<String>),
    Exit(Option<Pipeline>),
    /// `trap { }`: runs when a terminating error reaches the enclosing block.
    Trap(Script),
    /// `a && b || c`: each pipeline after the first runs when the one before it
    /// succeeded (`&&`) or failed (`||`).
    Chain {
        first: Pipeline,
        rest: Vec<(ChainOp, Pipeline)>,
    },
    /// `[Flags()] enum Name { A; B = 4 }`
    Enum(Rc<EnumDefinition>),
    /// `class Name : Base { ... }`
    Class(Rc<ClassDefinition>),
    /// `:label` before a loop.
    Labeled {
        label: String,
        statement: Box<Statement>,
    },
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

impl Pipeline {
    /// A pipeline of one expression.
    pub fn of(expr: Expr, span: Span) -> Self {
        Pipeline {
            elements: vec![PipelineElement::Expression(expr)],
            span,
        }
    }
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
    /// `& expr` / `. expr`: the command is the value of an expression (a script block,
    /// a command name or a path).
    pub invoked: Option<Expr>,
    /// `. name`: runs in the caller's scope.
    pub dot_sourced: bool,
    pub redirections: Vec<Redirection>,
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
    /// `--`: what follows is values even when it starts with `-` (an executable gets
    /// the `--` itself).
    EndOfParameters,
}

/// A part of a double-quoted string.
#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Literal(String),
    Variable(String),
    SubExpression(Script),
}

/// `{ param(...) statements }` or `{ param(...) begin {} process {} end {} }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScriptBlock {
    pub parameters: Vec<ParameterDeclaration>,
    /// `[CmdletBinding()]`: an advanced function (common parameters, `$PSCmdlet`).
    pub cmdlet_binding: bool,
    /// `[CmdletBinding(DefaultParameterSetName = 'Name')]`.
    pub default_parameter_set: Option<String>,
    pub begin: Option<Script>,
    pub process: Option<Script>,
    /// The `end` block, or the statements of a block without named blocks.
    pub body: Script,
    /// The source text between the braces (how a script block prints).
    pub text: String,
}

impl ScriptBlock {
    /// Whether the block has `begin`/`process` blocks (else it runs once, at the end).
    pub fn has_named_blocks(&self) -> bool {
        self.begin.is_some() || self.process.is_some()
    }
}

/// A validation attribute of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// `[ValidateRange(min, max)]`
    Range(Expr, Expr),
    /// `[ValidateNotNullOrEmpty()]`, `[ValidateNotNull()]`
    NotNullOrEmpty,
    /// `[ValidateLength(min, max)]`
    Length(usize, usize),
    /// `[ValidatePattern('regex')]`
    Pattern(String),
    /// `[ValidateCount(min, max)]`
    Count(usize, usize),
    /// `[ValidateScript({ ... })]`
    Script(Rc<ScriptBlock>),
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
    pub from_pipeline_by_property_name: bool,
    pub accepted_values: Vec<String>,
    pub aliases: Vec<String>,
    pub validations: Vec<Validation>,
    /// `[Parameter(ParameterSetName = 'x')]`
    pub parameter_sets: Vec<String>,
    /// `[Parameter(ValueFromRemainingArguments)]`: takes the arguments no other does.
    pub from_remaining: bool,
}

impl ParameterDeclaration {
    /// An untyped, optional, positional-by-order parameter with no attributes.
    pub fn named(name: &str) -> Self {
        ParameterDeclaration {
            name: name.to_string(),
            type_name: None,
            default: None,
            mandatory: false,
            position: None,
            from_pipeline: false,
            from_pipeline_by_property_name: false,
            accepted_values: Vec::new(),
            aliases: Vec::new(),
            validations: Vec::new(),
            parameter_sets: Vec::new(),
            from_remaining: false,
        }
    }
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
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
    Plus,
    Split,
    Join,
    BitNot,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `[Type]::$name`
    DynamicStaticMember {
        type_name: String,
        name: Box<Expr>,
    },
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
    /// `condition ? then : otherwise`
    Ternary {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `left ?? right`
    Coalesce(Box<Expr>, Box<Expr>),
    /// `$x++`, `++$x`, `$x--`, `--$x` inside an expression.
    IncDec {
        target: Box<Expr>,
        delta: i64,
        prefix: bool,
    },
    /// `$x = value` used as a value (`$a = $b = 1`).
    Assign(Box<Statement>),
}
