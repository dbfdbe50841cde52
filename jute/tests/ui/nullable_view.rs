// Option<T> in a view means null (-1 length), which only length-prefixed types have.
use std::borrow::Cow;

#[derive(jute::Jute)]
struct Flags<'a> {
    name: Cow<'a, str>,
    flag: Option<bool>,
}
fn main() {}
