//! Parameter binding in PowerShell's order: named, positional, then per pipeline object
//! by value and by property name; then the parameter set is chosen and mandatory
//! parameters are checked. Messages follow PowerShell's wording.

use super::command::{ALL_SETS, CmdletInfo, CommandError, ParameterInfo, ParameterType};
use super::convert::to_parameter_type;
use super::value::Value;

/// An argument as written: `-Name`, `-Name:value`, or a value.
#[derive(Debug, Clone)]
pub enum RawArgument {
    Named { name: String, value: Option<Value> },
    Positional(Value),
}

/// Arguments bound to canonical parameter names, converted to their types.
#[derive(Debug, Clone, Default)]
pub struct BoundArguments {
    values: Vec<(String, Value)>,
    /// The parameter set chosen.
    pub parameter_set: String,
    /// Positional arguments no parameter took (`$args` of a function).
    pub remaining: Vec<Value>,
}

impl BoundArguments {
    /// The arguments with each list as the array of its items (what a cmdlet works on;
    /// a script function keeps the list itself).
    pub fn without_lists(mut self) -> Self {
        for (_, v) in &mut self.values {
            if matches!(v, Value::List(_) | Value::Enumerator(_)) {
                *v = std::mem::replace(v, Value::Null).unlisted();
            }
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(Value::to_text)
    }

    /// A list parameter's values as text (none when it was not given).
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
            .unwrap_or_default()
    }

    pub fn switch(&self, name: &str) -> bool {
        self.get(name).is_some_and(Value::is_truthy)
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

fn error(info: &CmdletInfo, id: &str, message: String) -> CommandError {
    CommandError::new(&info.name, "InvalidArgument", id, message)
}

/// Finds a parameter by name, alias or unique prefix.
/// The Levenshtein distance of two names (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// The parameter a typed name means (name, alias or unique prefix), if any.
pub fn parameter_named<'a>(info: &'a CmdletInfo, typed: &str) -> Option<&'a ParameterInfo> {
    find(info, typed).ok()
}

fn find<'a>(info: &'a CmdletInfo, typed: &str) -> Result<&'a ParameterInfo, CommandError> {
    let names = |p: &'a ParameterInfo| {
        std::iter::once(p.name.as_str()).chain(p.aliases.iter().map(String::as_str))
    };
    if let Some(p) = info
        .parameters
        .iter()
        .find(|p| names(p).any(|n| n.eq_ignore_ascii_case(typed)))
    {
        return Ok(p);
    }
    let lower = typed.to_ascii_lowercase();
    let matches: Vec<&ParameterInfo> = info
        .parameters
        .iter()
        .filter(|p| names(p).any(|n| n.to_ascii_lowercase().starts_with(&lower)))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let mut message =
                format!("A parameter cannot be found that matches parameter name '{typed}'.");
            let closest = info
                .parameters
                .iter()
                .map(|p| (edit_distance(&lower, &p.name.to_ascii_lowercase()), &p.name))
                .filter(|(d, _)| *d <= (lower.chars().count() / 3).clamp(1, 3))
                .min();
            if let Some((_, name)) = closest {
                message.push_str(&format!(" Did you mean '-{name}'?"));
            }
            Err(error(info, "NamedParameterNotFound", message))
        }
        many => Err(error(
            info,
            "AmbiguousParameter",
            format!(
                "Parameter cannot be processed because the parameter name '{typed}' is ambiguous. Possible matches include: {}.",
                many.iter()
                    .map(|p| format!("-{}", p.name))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )),
    }
}

fn in_sets(p: &ParameterInfo, sets: &[String]) -> bool {
    p.sets
        .iter()
        .any(|m| m.set_name == ALL_SETS || sets.contains(&m.set_name))
}

/// Binds `raw` (and one pipeline object, if any) to `info`'s parameters.
pub fn bind(
    info: &CmdletInfo,
    raw: &[RawArgument],
    input: Option<&Value>,
) -> Result<BoundArguments, CommandError> {
    bind_with(info, raw, input, false)
}

/// [`bind`], optionally keeping extra positional arguments in `remaining`.
pub fn bind_with(
    info: &CmdletInfo,
    raw: &[RawArgument],
    input: Option<&Value>,
    keep_remaining: bool,
) -> Result<BoundArguments, CommandError> {
    bind_all(info, raw, input, keep_remaining, false)
}

/// Binds the arguments of a command that will get pipeline input later (a function's
/// `begin` block runs before any): mandatory pipeline parameters may still be missing.
pub fn bind_before_input(
    info: &CmdletInfo,
    raw: &[RawArgument],
    keep_remaining: bool,
) -> Result<BoundArguments, CommandError> {
    bind_all(info, raw, None, keep_remaining, true)
}

fn bind_all(
    info: &CmdletInfo,
    raw: &[RawArgument],
    input: Option<&Value>,
    keep_remaining: bool,
    input_later: bool,
) -> Result<BoundArguments, CommandError> {
    let mut bound = BoundArguments::default();
    let mut positionals = Vec::new();
    let mut raw = raw.iter().peekable();
    while let Some(arg) = raw.next() {
        match arg {
            RawArgument::Positional(v) => positionals.push(v.clone()),
            RawArgument::Named { name, value } => {
                let p = find(info, name)?;
                let value = match (value, p.type_) {
                    (Some(v), _) => v.clone(),
                    (None, ParameterType::Switch) => Value::Bool(true),
                    (None, _) => match raw.peek() {
                        Some(RawArgument::Positional(v)) => {
                            let v = v.clone();
                            raw.next();
                            v
                        }
                        _ => {
                            return Err(error(
                                info,
                                "MissingArgument",
                                format!(
                                    "Missing an argument for parameter '{}'. Specify a parameter of type '{}' and try again.",
                                    p.name,
                                    super::command::type_name(p.type_)
                                ),
                            ));
                        }
                    },
                };
                if bound.has(&p.name) {
                    return Err(error(
                        info,
                        "ParameterAlreadyBound",
                        format!(
                            "Cannot bind parameter because parameter '{}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, \"-parameter value1,value2,value3\".",
                            p.name
                        ),
                    ));
                }
                set(info, &mut bound, p, value)?;
            }
        }
    }

    let mut sets = candidate_sets(info, &bound)?;

    // Positional binding, in position order, among parameters of the candidate sets.
    // When two sets have a parameter at the same position, the default set decides.
    let mut slots = positional_slots(info, &bound, &sets);
    let collide = slots.windows(2).any(|w| w[0].0 == w[1].0);
    if collide && !positionals.is_empty() && sets.contains(&info.default_parameter_set) {
        slots = positional_slots(
            info,
            &bound,
            std::slice::from_ref(&info.default_parameter_set),
        );
    }
    let mut slots = slots.into_iter();
    for value in positionals {
        match slots.next() {
            Some((_, p)) => set(info, &mut bound, p, value)?,
            None if keep_remaining => bound.remaining.push(value),
            None => {
                return Err(error(
                    info,
                    "PositionalParameterNotFound",
                    format!(
                        "A positional parameter cannot be found that accepts argument '{}'.",
                        value.to_text()
                    ),
                ));
            }
        }
    }

    // A function without pipeline parameters sees its input only as `$_`.
    let takes_pipeline = info.parameters.iter().any(|p| {
        p.sets
            .iter()
            .any(|m| m.from_pipeline || m.from_pipeline_by_property_name)
    });
    if let Some(input) = input
        && (takes_pipeline || !keep_remaining)
    {
        bind_pipeline_object(info, &mut bound, &sets, input)?;
        sets = candidate_sets(info, &bound)?;
    }

    bound.parameter_set = choose_set(info, &sets);
    let missing: Vec<&str> = info
        .parameters
        .iter()
        .filter(|p| !bound.has(&p.name))
        .filter(|p| {
            p.sets.iter().any(|m| {
                m.mandatory
                    && (m.set_name == ALL_SETS || m.set_name == bound.parameter_set)
                    && !(input_later && (m.from_pipeline || m.from_pipeline_by_property_name))
            })
        })
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(CommandError {
            target: Some(missing.join(" ")),
            ..error(
                info,
                "MissingMandatoryParameter",
                format!(
                    "Cannot process command because of one or more missing mandatory parameters: {}.",
                    missing.join(" ")
                ),
            )
        });
    }
    Ok(bound)
}

fn set(
    info: &CmdletInfo,
    bound: &mut BoundArguments,
    p: &ParameterInfo,
    value: Value,
) -> Result<(), CommandError> {
    let converted = to_parameter_type(value, p.type_).map_err(|e| {
        let reason = e
            .reason
            .map(|r| format!(" Error: \"{r}\""))
            .unwrap_or_default();
        error(
            info,
            "ParameterArgumentTransformationError",
            format!(
                "Cannot bind parameter '{}'. Cannot convert value \"{}\" to type \"{}\".{reason}",
                p.name, e.shown, e.target
            ),
        )
    })?;
    if !p.accepted_values.is_empty() {
        for item in converted.clone().into_items() {
            let text = item.to_text();
            if !p
                .accepted_values
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&text))
            {
                return Err(error(
                    info,
                    "ParameterArgumentValidationError",
                    format!(
                        "Cannot validate argument on parameter '{}'. The argument \"{text}\" does not belong to the set \"{}\" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.",
                        p.name,
                        p.accepted_values.join(",")
                    ),
                ));
            }
        }
    }
    bound.values.push((p.name.clone(), converted));
    Ok(())
}

/// The parameter sets compatible with every bound parameter.
/// The parameters not yet bound that take a position in `sets`, in position order.
fn positional_slots<'a>(
    info: &'a CmdletInfo,
    bound: &BoundArguments,
    sets: &[String],
) -> Vec<(u32, &'a ParameterInfo)> {
    let mut slots: Vec<(u32, &ParameterInfo)> = info
        .parameters
        .iter()
        .filter(|p| !bound.has(&p.name) && in_sets(p, sets))
        .filter_map(|p| {
            p.sets
                .iter()
                .filter(|m| m.set_name == ALL_SETS || sets.contains(&m.set_name))
                .filter_map(|m| m.position)
                .min()
                .map(|pos| (pos, p))
        })
        .collect();
    slots.sort_by_key(|(pos, _)| *pos);
    slots
}

fn candidate_sets(info: &CmdletInfo, bound: &BoundArguments) -> Result<Vec<String>, CommandError> {
    let mut sets: Vec<String> = info
        .parameters
        .iter()
        .flat_map(|p| p.sets.iter().map(|m| m.set_name.clone()))
        .filter(|s| s != ALL_SETS)
        .collect();
    // A declared default set holds no parameter of its own when it means "none of the
    // others" (Get-BackupServerCertificate with no arguments).
    if info.default_parameter_set != ALL_SETS {
        sets.push(info.default_parameter_set.clone());
    }
    sets.sort();
    sets.dedup();
    if sets.is_empty() {
        return Ok(vec![ALL_SETS.into()]);
    }
    for (name, _) in bound.iter() {
        if let Some(p) = info.parameters.iter().find(|p| p.name == name)
            && !p.sets.iter().any(|m| m.set_name == ALL_SETS)
        {
            sets.retain(|s| p.sets.iter().any(|m| &m.set_name == s));
        }
    }
    if sets.is_empty() {
        return Err(error(
            info,
            "AmbiguousParameterSet",
            "Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.".into(),
        ));
    }
    Ok(sets)
}

fn choose_set(info: &CmdletInfo, sets: &[String]) -> String {
    if sets.contains(&info.default_parameter_set) {
        return info.default_parameter_set.clone();
    }
    sets.first().cloned().unwrap_or_else(|| ALL_SETS.into())
}

fn accepts_by_value(ty: ParameterType, value: &Value) -> bool {
    matches!(
        (ty, value),
        (ParameterType::Any, _)
            | (ParameterType::Certificate, Value::Certificate(_))
            | (
                ParameterType::Text | ParameterType::TextList,
                Value::String(_)
            )
            | (ParameterType::Integer, Value::Int(_))
            | (ParameterType::Datetime, Value::DateTime(_))
            | (ParameterType::SecureText, Value::SecureString(_))
    )
}

fn bind_pipeline_object(
    info: &CmdletInfo,
    bound: &mut BoundArguments,
    sets: &[String],
    input: &Value,
) -> Result<(), CommandError> {
    let open: Vec<&ParameterInfo> = info
        .parameters
        .iter()
        .filter(|p| !bound.has(&p.name) && in_sets(p, sets))
        .collect();
    if let Some(p) = open
        .iter()
        .find(|p| p.sets.iter().any(|m| m.from_pipeline) && accepts_by_value(p.type_, input))
    {
        return set(info, bound, p, input.clone());
    }
    // Then with conversion (a string "7" for an [int] parameter), as PowerShell does.
    for p in open
        .iter()
        .filter(|p| p.sets.iter().any(|m| m.from_pipeline))
    {
        let mut attempt = bound.clone();
        if set(info, &mut attempt, p, input.clone()).is_ok() {
            *bound = attempt;
            return Ok(());
        }
    }
    let mut any = false;
    for p in open
        .iter()
        .filter(|p| p.sets.iter().any(|m| m.from_pipeline_by_property_name))
    {
        let value = std::iter::once(&p.name)
            .chain(p.aliases.iter())
            .find_map(|n| input.property(n));
        if let Some(value) = value {
            set(info, bound, p, value)?;
            any = true;
        }
    }
    if !any {
        return Err(error(
            info,
            "InputObjectNotBound",
            "The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::command::param;

    fn info() -> CmdletInfo {
        let mut file = param("FilePath", ParameterType::Text, "");
        file.sets[0].position = Some(0);
        file.sets[0].mandatory = true;
        let mut store = param("CertStoreLocation", ParameterType::Text, "");
        store.sets[0].position = Some(1);
        let mut alg = param("CryptoAlgorithmOption", ParameterType::Text, "");
        alg.accepted_values = vec!["TripleDES_SHA1".into(), "AES256_SHA256".into()];
        CmdletInfo {
            name: "Test-Binder".into(),
            aliases: vec![],
            synopsis: String::new(),
            description: String::new(),
            parameters: vec![
                file,
                store,
                param("Exportable", ParameterType::Switch, ""),
                param("Count", ParameterType::Integer, ""),
                param("CertificatePath", ParameterType::Text, ""),
                alg,
            ],
            default_parameter_set: ALL_SETS.into(),
            examples: vec![],
            output_type: String::new(),
            changes_state: false,
        }
    }

    fn named(n: &str, v: Option<Value>) -> RawArgument {
        RawArgument::Named {
            name: n.into(),
            value: v,
        }
    }
    fn pos(s: &str) -> RawArgument {
        RawArgument::Positional(Value::String(s.into()))
    }

    #[test]
    fn named_positional_switch_and_prefix() {
        let b = bind(
            &info(),
            &[
                pos("a.pfx"),
                named("cert", None),
                pos("Cert:\\LocalMachine\\My"),
                named("Exp", None),
            ],
            None,
        );
        // "cert" is ambiguous between CertStoreLocation and CertificatePath.
        assert!(b.unwrap_err().message.contains(
            "is ambiguous. Possible matches include: -CertStoreLocation -CertificatePath"
        ));
        let b = bind(
            &info(),
            &[
                pos("a.pfx"),
                pos("Cert:\\LocalMachine\\My"),
                named("Exp", None),
                named("count", Some(Value::String("7".into()))),
            ],
            None,
        )
        .unwrap();
        assert_eq!(b.text("FilePath").as_deref(), Some("a.pfx"));
        assert_eq!(
            b.text("CertStoreLocation").as_deref(),
            Some("Cert:\\LocalMachine\\My")
        );
        assert!(b.switch("Exportable"));
        assert!(matches!(b.get("Count"), Some(Value::Int(7))));
    }

    #[test]
    fn powershell_messages_for_bad_arguments() {
        let i = info();
        assert_eq!(
            bind(&i, &[named("Nope", None)], None).unwrap_err().message,
            "A parameter cannot be found that matches parameter name 'Nope'."
        );
        assert!(
            bind(&i, &[], None)
                .unwrap_err()
                .message
                .contains("missing mandatory parameters: FilePath.")
        );
        assert!(
            bind(&i, &[pos("a"), pos("b"), pos("c")], None)
                .unwrap_err()
                .message
                .contains("positional parameter cannot be found that accepts argument 'c'")
        );
        assert!(
            bind(&i, &[pos("a"), named("Count", None)], None)
                .unwrap_err()
                .message
                .starts_with("Missing an argument for parameter 'Count'")
        );
        assert!(
            bind(
                &i,
                &[pos("a"), named("Count", Some(Value::String("x".into())))],
                None
            )
            .unwrap_err()
            .message
            .contains("Cannot convert value \"x\" to type \"System.Int32\"")
        );
        assert!(
            bind(
                &i,
                &[
                    pos("a"),
                    named("CryptoAlgorithmOption", Some(Value::String("RC4".into())))
                ],
                None
            )
            .unwrap_err()
            .message
            .contains("does not belong to the set")
        );
        let twice = [
            named("FilePath", Some(Value::String("a".into()))),
            named("FilePath", Some(Value::String("b".into()))),
        ];
        assert!(
            bind(&i, &twice, None)
                .unwrap_err()
                .message
                .contains("specified more than once")
        );
        // Named arguments bind first: the positional value then takes the next slot.
        let b = bind(
            &i,
            &[pos("a"), named("FilePath", Some(Value::String("b".into())))],
            None,
        )
        .unwrap();
        assert_eq!(b.text("CertStoreLocation").as_deref(), Some("a"));
    }
}
