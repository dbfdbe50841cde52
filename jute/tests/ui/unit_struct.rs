#[derive(jute::Jute)]
struct Nothing;
fn main() {}
