// Option<T> means null (-1 length) and exists only for length-prefixed types.
#[derive(jute::Jute)]
struct Record {
    flag: Option<bool>,
}
fn main() {}
