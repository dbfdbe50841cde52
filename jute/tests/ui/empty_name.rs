// Error messages name records and fields by `jute(name)`: an empty one is refused.
#[derive(jute::Jute)]
#[jute(name = "")]
struct Record {
    #[jute(name = "")]
    field: i32,
}
fn main() {}
