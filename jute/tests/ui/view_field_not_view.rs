// A view's field that cannot be decoded borrowed: the error names the view's own lifetime.
use std::borrow::Cow;

struct NotJute;

#[derive(jute::Jute)]
struct Names<'a> {
    first: Cow<'a, str>,
    other: NotJute,
}
fn main() {}
