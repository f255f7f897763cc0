//! `-split { script block }`: the string splits at each character for which the block
//! (with the character as `$_`) is true.

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
}
