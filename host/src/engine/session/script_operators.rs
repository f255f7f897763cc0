//! Operators that run a script block: `-split { ... }` splits at each character for
//! which the block (with the character as `$_`) is true; `-replace pattern, { ... }`
//! replaces each match with what the block returns for it (the match as `$_`).

use super::*;

impl Session {
    /// `left -split { ... }` or `left -split { ... }, count`; `None` when the delimiter
    /// is not a script block.
    pub(super) fn split_by_block(&mut self, left: &Value, right: &Value) -> Flow<Option<Value>> {
        let arguments = right.clone().into_items_keep();
        let Some(Value::ScriptBlock(block)) = arguments.first() else {
            return Ok(None);
        };
        let limit = arguments
            .get(1)
            .and_then(operators::to_number)
            .map(|n| n.as_int())
            .unwrap_or(0);
        let mut parts = Vec::new();
        for item in left.clone().into_items_keep() {
            let text = item.to_text();
            let mut current = String::new();
            let mut pieces = 0;
            for c in text.chars() {
                let at_limit = limit > 0 && pieces + 1 >= limit;
                let split = !at_limit
                    && collapse(self.invoke_block(
                        block,
                        Some(Value::String(c.to_string())),
                        Vec::new(),
                        false,
                    )?)
                    .is_truthy();
                if split {
                    parts.push(Value::String(std::mem::take(&mut current)));
                    pieces += 1;
                } else {
                    current.push(c);
                }
            }
            parts.push(Value::String(current));
        }
        Ok(Some(Value::Array(parts)))
    }

    /// `left -replace pattern, { ... }`; `None` when the replacement is not a block.
    pub(super) fn replace_by_block(
        &mut self,
        left: &Value,
        right: &Value,
        case_sensitive: bool,
    ) -> Flow<Option<Value>> {
        let arguments = right.clone().into_items_keep();
        let (Some(pattern), Some(Value::ScriptBlock(block))) =
            (arguments.first(), arguments.get(1))
        else {
            return Ok(None);
        };
        let re = operators::regex(&pattern.to_text(), case_sensitive).map_err(script_error)?;
        let mut results = Vec::new();
        for item in left.clone().into_items_keep() {
            let text = item.to_text();
            let mut out = String::new();
            let mut at = 0;
            for captures in re.captures_iter(&text) {
                let Some(whole) = captures.get(0) else {
                    continue;
                };
                out.push_str(&text[at..whole.start()]);
                let names: Vec<Option<&str>> = re.capture_names().collect();
                let found = operators::match_object(&captures, &names);
                let replacement =
                    collapse(self.invoke_block(block, Some(found), Vec::new(), false)?);
                out.push_str(&replacement.to_text());
                at = whole.end();
            }
            out.push_str(&text[at..]);
            results.push(Value::String(out));
        }
        Ok(Some(match left {
            Value::Array(_) | Value::List(_) => Value::Array(results),
            _ => collapse(results),
        }))
    }
}
