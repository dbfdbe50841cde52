#[derive(jute::Jute)]
enum Shape {
    Circle(f64),
}
fn main() {}
