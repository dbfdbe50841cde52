#[derive(jute::Jute)]
struct Record {
    ok: i32,
    unsigned: u16,
}
fn main() {}
