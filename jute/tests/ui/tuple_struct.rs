#[derive(jute::Jute)]
struct Pair(i32, i64);
fn main() {}
