//! The resolve pass: loads root files and their includes, and turns their syntax trees into a
//! validated [`Schema`], reporting every unresolved reference, duplicate, bad include and
//! include cycle.
//!
//! Name resolution follows Apache's compiler: files are read depth-first in include order and
//! a record becomes known only after its declaration has been read (its closing `}`). A type
//! name without a dot means `<current module>.<name>` and nothing else; a dotted name is
//! always taken as fully qualified. The set of known records is shared by a root file and
//! everything it (transitively) includes, in reading order.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::ast::{self, Span};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::schema::{Field, Module, Record, Schema, Type};
use crate::source::{normalize, SourceFile};
use crate::syntax::parse_source;

mod unresolved;

/// Files larger than this are refused (a guard against e.g. `include "/dev/zero"`).
const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// A root given to the resolver.
pub(crate) enum Root {
    /// Read from disk.
    Path(PathBuf),
    /// Given in memory, with the path used for messages and relative includes.
    Source(PathBuf, String),
}

struct Loaded {
    src: SourceFile,
    ast: ast::File,
    poisoned: Vec<String>,
}

/// Where a record was declared, for duplicate and use-before-declaration messages.
struct Decl {
    file: usize,
    span: Span,
}

/// A reference that was not visible where it was used; reported after all files are read.
struct Unresolved {
    file: usize,
    span: Span,
    written: String,
    fqn: String,
    module: String,
    in_record: String,
    /// The root whose reading met the reference (index into `Resolver::root_files`).
    root: usize,
}

#[derive(Default)]
struct Resolver {
    files: Vec<Loaded>,
    by_canon: HashMap<PathBuf, usize>,
    /// Diagnostics keyed by (file order, byte offset) for stable source-order output.
    diags: Vec<((usize, u32, u32), Diagnostic)>,
    decls: HashMap<String, Decl>,
    emitted: HashSet<usize>,
    unresolved: Vec<Unresolved>,
    modules: Vec<Module>,
    module_index: HashMap<String, usize>,
    /// Ordering key for diagnostics about roots that could not be read.
    extra_order: usize,
    /// Each root's file and the files it read, in root order.
    root_files: Vec<(usize, HashSet<usize>)>,
}

/// Per-root state: what is known so far, and the include stack.
#[derive(Default)]
struct Walk {
    /// Index of the root being read.
    root: usize,
    visible: HashSet<String>,
    visited: HashSet<usize>,
    stack: Vec<usize>,
}

pub(crate) fn resolve(roots: Vec<Root>) -> Result<Schema, Diagnostics> {
    let mut r = Resolver::default();
    for root in roots {
        let idx = match root {
            Root::Path(path) => {
                let display = normalize(&path);
                match r.load(&display) {
                    Ok(i) => Some(i),
                    Err(msg) => {
                        let order = r.next_extra_order();
                        r.diags.push((
                            (order, 0, 0),
                            Diagnostic::file_error(
                                format!("cannot read `{}`: {msg}", display.display()),
                                display,
                            ),
                        ));
                        None
                    }
                }
            }
            Root::Source(path, text) => {
                let display = normalize(&path);
                let canon = fs::canonicalize(&display).unwrap_or_else(|_| display.clone());
                Some(r.add_file(canon, display, text))
            }
        };
        if let Some(idx) = idx {
            let mut walk = Walk {
                root: r.root_files.len(),
                ..Walk::default()
            };
            r.walk(idx, &mut walk);
            r.root_files.push((idx, walk.visited));
        }
    }
    r.report_unresolved();
    let Resolver {
        mut diags,
        modules,
        files,
        ..
    } = r;
    diags.sort_by_key(|(k, _)| *k);
    let diags: Vec<Diagnostic> = diags.into_iter().map(|(_, d)| d).collect();
    if diags.iter().any(Diagnostic::is_error) {
        Err(Diagnostics::new(diags))
    } else {
        let files = files
            .into_iter()
            .filter(|f| f.src.path.is_file())
            .map(|f| f.src.path)
            .collect();
        Ok(Schema { modules, files })
    }
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "file not found".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        other => other.to_string(),
    }
}

impl Resolver {
    fn next_extra_order(&mut self) -> usize {
        self.extra_order += 1;
        usize::MAX / 2 + self.extra_order
    }

    /// Order key of a file: files are ordered by when they were first loaded.
    fn order(&self, file: usize) -> usize {
        file
    }

    /// Records a diagnostic, keyed for output in (file, line, column) order.
    fn push(&mut self, file: usize, d: Diagnostic) {
        let (line, col) = d
            .primary
            .as_ref()
            .map_or((0, 0), |l| (l.location.line, l.location.column));
        self.diags.push(((self.order(file), line, col), d));
    }

    /// Loads and parses a file from disk (once per canonical path).
    fn load(&mut self, display: &Path) -> Result<usize, String> {
        let canon = fs::canonicalize(display).map_err(|e| io_message(&e))?;
        if let Some(&i) = self.by_canon.get(&canon) {
            return Ok(i);
        }
        let meta = fs::metadata(&canon).map_err(|e| io_message(&e))?;
        if meta.is_dir() {
            return Err("it is a directory".to_string());
        }
        if !meta.is_file() {
            return Err("it is not a regular file".to_string());
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(format!(
                "it is larger than {} MiB",
                MAX_FILE_SIZE / 1024 / 1024
            ));
        }
        let bytes = fs::read(&canon).map_err(|e| io_message(&e))?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Ok(self.add_file(canon, display.to_path_buf(), text))
    }

    fn add_file(&mut self, canon: PathBuf, display: PathBuf, text: String) -> usize {
        let src = SourceFile::new(display, text);
        let parsed = parse_source(&src);
        let idx = self.files.len();
        for d in parsed.diagnostics {
            self.push(idx, d);
        }
        self.files.push(Loaded {
            src,
            ast: parsed.file,
            poisoned: parsed.poisoned,
        });
        self.by_canon.insert(canon, idx);
        idx
    }

    fn label(&self, file: usize, span: Span, msg: impl Into<String>) -> crate::diagnostic::Label {
        self.files[file].src.label(span, Some(msg.into()))
    }

    fn walk(&mut self, file: usize, walk: &mut Walk) {
        if !walk.visited.insert(file) {
            return;
        }
        walk.stack.push(file);
        let emit = self.emitted.insert(file);
        let items = self.files[file].ast.items.clone();
        for item in &items {
            match item {
                ast::Item::Include(inc) => self.include(file, inc, emit, walk),
                ast::Item::Module(m) => self.module(file, m, emit, walk),
            }
        }
        walk.stack.pop();
    }

    fn include(&mut self, file: usize, inc: &ast::Include, emit: bool, walk: &mut Walk) {
        let dir = self.files[file]
            .src
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // Apache's compiler opens `new File(dir, path)`: the system resolves `..` (through
        // symbolic links, and only in directories that exist), and an absolute path is taken
        // below `dir` unless the including file has no directory part.
        let relative = if dir.as_os_str().is_empty() {
            inc.path.as_str()
        } else {
            inc.path.trim_start_matches('/')
        };
        let target = dir.join(relative);
        // Shown (and included from) in its lexically normalised form when that is the same
        // file.
        let normal = normalize(&target);
        let target = match (fs::canonicalize(&normal), fs::canonicalize(&target)) {
            (Ok(a), Ok(b)) if a == b => normal,
            _ => target,
        };
        match self.load(&target) {
            Ok(t) => {
                if let Some(pos) = walk.stack.iter().position(|&f| f == t) {
                    if emit {
                        let mut chain = Vec::new();
                        for w in walk.stack[pos..]
                            .iter()
                            .chain(std::iter::once(&t))
                            .collect::<Vec<_>>()
                            .windows(2)
                        {
                            chain.push(format!(
                                "`{}` includes `{}`",
                                self.files[*w[0]].src.path.display(),
                                self.files[*w[1]].src.path.display()
                            ));
                        }
                        let d = Diagnostic::error(
                            "include cycle",
                            self.label(
                                file,
                                inc.path_span,
                                format!("`{}` is already being included", target.display()),
                            ),
                        )
                        .with_note(chain.join("\n"))
                        .with_note("Apache's compiler recurses until it runs out of stack on include cycles");
                        self.push(file, d);
                    }
                    return;
                }
                self.walk(t, walk);
            }
            Err(msg) => {
                if emit {
                    let d = Diagnostic::error(
                        format!("cannot read included file `{}`", inc.path),
                        self.label(file, inc.path_span, msg),
                    )
                    .with_note(format!(
                        "include paths are resolved relative to the including file's directory; looked for `{}`",
                        target.display()
                    ));
                    self.push(file, d);
                }
            }
        }
    }

    fn module(&mut self, file: usize, m: &ast::Module, emit: bool, walk: &mut Walk) {
        let mname = m.name.joined();
        let midx = if emit {
            let next = self.modules.len();
            let idx = *self.module_index.entry(mname.clone()).or_insert(next);
            if idx == next {
                self.modules.push(Module {
                    name: mname.clone(),
                    records: Vec::new(),
                });
            }
            Some(idx)
        } else {
            None
        };
        for class in &m.classes {
            let fqn = format!("{mname}.{}", class.name.name);
            if let Some(midx) = midx {
                let record = self.record(file, &mname, &fqn, class, walk);
                if let Some(prev) = self.decls.get(&fqn) {
                    let d = Diagnostic::error(
                        format!("duplicate record `{fqn}`"),
                        self.label(file, class.name.span, "declared again here"),
                    )
                    .with_secondary(self.label(prev.file, prev.span, "first declared here"))
                    .with_note("Apache's compiler silently lets the last declaration win");
                    self.push(file, d);
                } else {
                    self.decls.insert(
                        fqn.clone(),
                        Decl {
                            file,
                            span: class.name.span,
                        },
                    );
                    self.modules[midx].records.push(record);
                }
            }
            if midx.is_none() {
                // Read before by another root: its records exist, but each root resolves its
                // references on its own (Apache's compiler compiles each file it is given
                // separately), so what this root has not read stays unknown here.
                for f in &class.fields {
                    let _ = self.ty(file, &mname, &fqn, &f.ty, walk);
                }
            }
            walk.visible.insert(fqn);
        }
    }

    fn record(
        &mut self,
        file: usize,
        module: &str,
        fqn: &str,
        class: &ast::Class,
        walk: &Walk,
    ) -> Record {
        let mut fields = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in &class.fields {
            if let Some(&first) = seen.get(f.name.name.as_str()) {
                let d = Diagnostic::error(
                    format!("duplicate field `{}` in record `{fqn}`", f.name.name),
                    self.label(file, f.name.span, "declared again here"),
                )
                .with_secondary(self.label(file, first, "first declared here"))
                .with_note(
                    "Apache's compiler accepts this and generates code that does not compile",
                );
                self.push(file, d);
            } else {
                seen.insert(&f.name.name, f.name.span);
            }
            let ty = self.ty(file, module, fqn, &f.ty, walk).unwrap_or(Type::Int);
            fields.push(Field {
                name: f.name.name.clone(),
                ty,
                doc: f.doc.clone(),
                location: self.files[file].src.location(f.span.start),
            });
        }
        Record {
            name: class.name.name.clone(),
            module: module.to_string(),
            doc: class.doc.clone(),
            fields,
            location: self.files[file].src.location(class.span.start),
        }
    }

    /// Resolves a type; `None` if a reference in it is not (yet) known.
    fn ty(
        &mut self,
        file: usize,
        module: &str,
        in_record: &str,
        ty: &ast::TypeExpr,
        walk: &Walk,
    ) -> Option<Type> {
        use ast::Primitive as P;
        Some(match &ty.kind {
            ast::TypeKind::Primitive(p) => match p {
                P::Byte => Type::Byte,
                P::Boolean => Type::Boolean,
                P::Int => Type::Int,
                P::Long => Type::Long,
                P::Float => Type::Float,
                P::Double => Type::Double,
                P::UString => Type::UString,
                P::Buffer => Type::Buffer,
            },
            ast::TypeKind::Vector(e) => {
                Type::Vector(Box::new(self.ty(file, module, in_record, e, walk)?))
            }
            ast::TypeKind::Map(k, v) => {
                let k = self.ty(file, module, in_record, k, walk);
                let v = self.ty(file, module, in_record, v, walk);
                Type::Map(Box::new(k?), Box::new(v?))
            }
            ast::TypeKind::Named(q) => {
                let written = q.joined();
                let fqn = if q.is_qualified() {
                    written.clone()
                } else {
                    format!("{module}.{written}")
                };
                if walk.visible.contains(&fqn) {
                    Type::Record(fqn)
                } else {
                    self.unresolved.push(Unresolved {
                        file,
                        span: q.span,
                        written,
                        fqn,
                        module: module.to_string(),
                        in_record: in_record.to_string(),
                        root: walk.root,
                    });
                    return None;
                }
            }
        })
    }
}
