#[derive(jute::Jute)]
struct ConnectRequest {
    timeout: i32,
    #[jute(trailing)]
    read_only: bool,
}
fn main() {}
