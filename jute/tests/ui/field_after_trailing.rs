#[derive(jute::Jute)]
struct ConnectRequest {
    #[jute(trailing)]
    read_only: Option<bool>,
    timeout: i32,
}
fn main() {}
