//! The pest parser generated from `jute.pest` (private: `Rule` never leaves the crate) and
//! human-readable names for its rules, used in "expected ..." messages.

use pest_derive::Parser;

/// The generated parser.
#[derive(Parser)]
#[grammar = "jute.pest"]
pub(crate) struct JuteParser;

/// Describes what a rule matches, in words, for "expected ..." messages.
pub(crate) fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::include | Rule::kw_include | Rule::include_only => "`include`",
        Rule::module | Rule::kw_module | Rule::module_only | Rule::module_header_only => "`module`",
        Rule::class | Rule::kw_class | Rule::class_only | Rule::class_last_only => "`class`",
        Rule::ident | Rule::keyword => "an identifier",
        Rule::module_name => "a module name",
        Rule::type_name => "a record name",
        Rule::class_name => "a class name",
        Rule::field_name => "a field name",
        Rule::string => "a quoted file name",
        Rule::primitive => "a primitive type",
        Rule::vector_type | Rule::kw_vector => "`vector`",
        Rule::map_type | Rule::kw_map => "`map`",
        Rule::field_type | Rule::field => "a field type",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lt => "`<`",
        Rule::gt => "`>`",
        Rule::comma => "`,`",
        Rule::semi => "`;`",
        Rule::dot => "`.`",
        Rule::file => "`include` or `module`",
        Rule::WHITESPACE | Rule::COMMENT | Rule::line_comment | Rule::block_comment => "a comment",
        Rule::ident_char => "an identifier character",
    }
}

/// Joins descriptions as "a, b or c", without duplicates.
pub(crate) fn describe_all(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    // "end of file" reads best last.
    let mut rules = rules.to_vec();
    rules.sort_by_key(|r| *r == Rule::EOI);
    for r in rules {
        let w = describe(r);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    match words.len() {
        0 => "something else".to_string(),
        1 => words[0].to_string(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    //! Rule-level tests: each rule in isolation, matched against the whole input.

    use super::*;
    use pest::Parser;

    /// Whether `rule` matches all of `input`.
    fn full(rule: Rule, input: &str) -> bool {
        match JuteParser::parse(rule, input) {
            Ok(mut pairs) => pairs
                .next()
                .is_some_and(|p| p.as_span().end() == input.len()),
            Err(_) => false,
        }
    }

    #[test]
    fn identifiers() {
        for ok in [
            "a", "Z", "a1", "a_b", "A_1_", "integer", "classy", "mapping", "int_",
        ] {
            assert!(full(Rule::ident, ok), "{ok} should be an identifier");
        }
        for bad in [
            "_a", "1a", "int", "map", "class", "module", "include", "ustring", "é",
        ] {
            assert!(!full(Rule::ident, bad), "{bad} should not be an identifier");
        }
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        assert!(full(Rule::keyword, "vector"));
        assert!(!full(Rule::keyword, "vectors"));
        assert!(full(Rule::primitive, "boolean"));
        assert!(!full(Rule::primitive, "boolean2"));
        assert!(!full(Rule::primitive, "vector"));
    }

    #[test]
    fn qualified_names_allow_trivia_between_tokens() {
        assert!(full(Rule::type_name, "a.b.C"));
        assert!(full(Rule::type_name, "a . b /* x */ . C"));
        assert!(!full(Rule::type_name, "a..b"));
        assert!(!full(Rule::type_name, "a.int"));
    }

    #[test]
    fn strings() {
        assert!(full(Rule::string, "\"a/b.jute\""));
        assert!(full(Rule::string, "\"two\nlines\""));
        assert!(!full(Rule::string, "\"\""));
        assert!(!full(Rule::string, "\"open"));
    }

    #[test]
    fn field_types() {
        for ok in [
            "byte",
            "boolean",
            "int",
            "long",
            "float",
            "double",
            "ustring",
            "buffer",
            "vector<int>",
            "vector < vector<a.B> >",
            "map<ustring,vector<int>>",
            "map<map<int,int>,B>",
            "a.b.C",
            "C",
        ] {
            assert!(full(Rule::field_type, ok), "{ok} should be a type");
        }
        for bad in [
            "vector<>",
            "map<int>",
            "vector<int,int>",
            "map<int,int,int>",
            "Vector",
        ] {
            if bad == "Vector" {
                // A capitalised word is a record reference, not the keyword.
                assert!(full(Rule::field_type, bad));
                continue;
            }
            assert!(!full(Rule::field_type, bad), "{bad} should not be a type");
        }
    }

    #[test]
    fn fields_and_classes() {
        assert!(full(Rule::field, "int x;"));
        assert!(full(Rule::field, "vector<int>x;"));
        assert!(!full(Rule::field, "int x"));
        assert!(!full(Rule::field, "int int;"));
        assert!(full(Rule::class, "class A { int x; }"));
        assert!(full(Rule::class, "class/**/A{int/**/x;}"));
        assert!(!full(Rule::class, "class A { }"));
        assert!(!full(Rule::class, "class A { int x; };"));
    }

    #[test]
    fn modules_and_files() {
        assert!(full(Rule::module, "module a.b { class A { int x; } }"));
        assert!(!full(Rule::module, "module a.b { }"));
        assert!(full(Rule::file, "include \"x.jute\""));
        assert!(full(
            Rule::file,
            "include \"x\" include \"y\" module m { class A { int x; } }"
        ));
        assert!(!full(Rule::file, ""));
        assert!(!full(Rule::file, "// only a comment\n"));
    }

    #[test]
    fn comments() {
        assert!(full(
            Rule::file,
            "// c\nmodule m { class A { int x; } } // c\n"
        ));
        assert!(full(Rule::file, "module m { class A { int x; } }\r// c\r"));
        // A line comment must end with a line break, as in rcc.
        assert!(!full(Rule::file, "module m { class A { int x; } } // c"));
        assert!(!full(Rule::file, "module m { class A { int x; } } /* c"));
        // Block comments do not nest.
        assert!(!full(
            Rule::file,
            "/* /* */ */ module m { class A { int x; } }"
        ));
    }

    #[test]
    fn whitespace_is_only_space_tab_cr_lf() {
        assert!(full(Rule::file, "module\tm\r\n{class A{int x;}}"));
        assert!(!full(Rule::file, "module m { class A { int x; } }\u{c}"));
        assert!(!full(Rule::file, "module\u{a0}m { class A { int x; } }"));
    }

    #[test]
    fn recovery_entry_points() {
        assert!(full(Rule::module_header_only, "module a.b {"));
        assert!(full(Rule::class_only, "class A { int x; }"));
        assert!(full(Rule::class_last_only, "class A { int x; } }"));
        assert!(full(Rule::include_only, "include \"x\""));
    }

    #[test]
    fn descriptions_read_well() {
        assert_eq!(
            describe_all(&[Rule::field, Rule::rbrace]),
            "a field type or `}`"
        );
        assert_eq!(
            describe_all(&[Rule::include, Rule::module, Rule::EOI]),
            "`include`, `module` or end of file"
        );
    }
}
