#[derive(jute::Jute)]
union Either {
    a: i32,
    b: f32,
}
fn main() {}
