#[derive(jute::Jute)]
#[jute(trailing, colour = "red")]
struct Record {
    #[jute(crate = "jute")]
    a: i32,
    #[jute(name = "b", name = "c")]
    b: i32,
    #[jute(nmae = "x")]
    c: i32,
    #[jute(name = 5)]
    d: i32,
}
fn main() {}
