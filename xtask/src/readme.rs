//! The root README's Rust examples are doctested through `jute/README.md` (the
//! `jute-runtime` crate doctests its own README; a package reads no file outside itself):
//! this test (the module is compiled for tests only) checks that each of them appears there verbatim.

/// The bodies of the ```` ```rust ```` blocks of a Markdown text.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```rust") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::rust_blocks;

    #[test]
    fn root_readme_rust_examples_are_doctested_in_jute_readme() {
        let root = crate::codegen::workspace_root();
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        let tested = rust_blocks(&read("jute/README.md"));
        let shown = rust_blocks(&read("README.md"));
        assert!(!shown.is_empty());
        for block in shown {
            assert!(
                tested.contains(&block),
                "README.md shows a Rust example that jute/README.md (doctested) lacks:\n{block}"
            );
        }
    }

    #[test]
    fn blocks_are_found() {
        let md = "text\n```rust\nlet a = 1;\n```\n```sh\nls\n```\n```rust\nb();\n```\n";
        assert_eq!(rust_blocks(md), ["let a = 1;\n", "b();\n"]);
    }
}
