//! The house's architecture, checked: no dependency cycle between the files of `model/src`
//! and `sim/src`, no non-test file over 600 lines, and every file opening with a `//!` line.
//!
//! Every `.rs` file is parsed (with `syn`) and the module tree is followed from `lib.rs`
//! through its `mod` declarations. **An edge** from file A to file B is a path in A's code
//! that names B or an item defined in B: a `use` item, or a path of two or more segments in
//! a type, an expression, a pattern or a macro's tokens, that starts with `crate::`,
//! `super::`, `self::` or the name of a module A declares. A path is followed through the
//! modules and the `use` items it passes, so `crate::SeedRange` (re-exported at the root)
//! is an edge to the file that defines `SeedRange`, not to `lib.rs`.
//!
//! **Not edges:** intra-doc links and every other comment; a parent's `mod child;`
//! declaration, and its `pub use child::...` re-exports of its own children's items (they
//! give the public API shorter paths, as `lib.rs` does: they name, they do not depend;
//! any *other* `use` in the parent, and any path in its code, is an edge); paths into other crates
//! (`dnsim_model::` from `sim`: Cargo keeps crates acyclic); and test code, that is items
//! under `#[cfg(test)]` and the files they declare (a test sits above what it tests: the
//! episodes' tests run a whole seed). Paths a glob `use` brings in unnamed are taken to name
//! items of the glob's module.
//!
//! A file's line count excludes nothing: a non-test file (one not declared under
//! `#[cfg(test)]`) over [`MAX_LINES`] fails unless [`LONG_FILES`] names it with why.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// The longest a non-test file may be.
const MAX_LINES: usize = 600;

/// Non-test files allowed over [`MAX_LINES`], each with why.
const LONG_FILES: &[(&str, &str)] = &[];

/// The crates whose source is checked, from the workspace root.
const CRATES: &[&str] = &["model/src", "sim/src"];

/// One module: a file, or an inline `mod name { ... }` inside one.
struct Module {
    file: usize,
    parent: Option<usize>,
    children: BTreeMap<String, usize>,
    /// The names its `use` items bind, each with the path it stands for.
    uses: BTreeMap<String, Vec<String>>,
}

/// One source file of a crate.
struct File {
    path: PathBuf,
    text: String,
    /// Declared under `#[cfg(test)]` (or inside a test module).
    test_only: bool,
}

/// A crate's module tree and files.
#[derive(Default)]
struct Tree {
    files: Vec<File>,
    modules: Vec<Module>,
    /// The parsed source of each file's top module, for the second pass.
    items: Vec<(usize, Vec<syn::Item>)>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Path>()
                .is_ok_and(|path| path.is_ident("test"))
    })
}

/// Flattens a `use` tree into `(bound name or "*", path)` pairs.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_paths(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let ident = name.ident.to_string();
            let mut path = prefix.clone();
            if ident == "self" {
                let bound = prefix.last().cloned().unwrap_or_default();
                out.push((bound, path));
            } else {
                path.push(ident.clone());
                out.push((ident, path));
            }
        }
        syn::UseTree::Rename(rename) => {
            let mut path = prefix.clone();
            if rename.ident != "self" {
                path.push(rename.ident.to_string());
            }
            out.push((rename.rename.to_string(), path));
        }
        syn::UseTree::Glob(_) => out.push(("*".to_string(), prefix.clone())),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

impl Tree {
    /// Reads the crate whose root file is `root`.
    fn read(root: &Path) -> Tree {
        let mut tree = Tree::default();
        tree.add_file(root, None, false);
        tree
    }

    /// Adds the file `path` as a module under `parent`, and everything it declares.
    fn add_file(&mut self, path: &Path, parent: Option<usize>, test_only: bool) -> usize {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = self.files.len();
        self.files.push(File {
            path: path.to_path_buf(),
            text,
            test_only,
        });
        // `a/lib.rs`, `a/mod.rs`: children in `a/`; `a/b.rs`: children in `a/b/`.
        let name = path.file_stem().unwrap().to_str().unwrap();
        let dir = match name {
            "lib" | "mod" | "main" => path.parent().unwrap().to_path_buf(),
            _ => path.parent().unwrap().join(name),
        };
        let module = self.add_module(file, parent, &syntax.items, &dir, test_only);
        self.items.push((module, syntax.items));
        module
    }

    fn add_module(
        &mut self,
        file: usize,
        parent: Option<usize>,
        items: &[syn::Item],
        dir: &Path,
        test_only: bool,
    ) -> usize {
        let module = self.modules.len();
        self.modules.push(Module {
            file,
            parent,
            children: BTreeMap::new(),
            uses: BTreeMap::new(),
        });
        for item in items {
            match item {
                syn::Item::Mod(declared) => {
                    let name = declared.ident.to_string();
                    let test_only = test_only || is_cfg_test(&declared.attrs);
                    let child = match &declared.content {
                        Some((_, inner)) => {
                            self.add_module(file, Some(module), inner, &dir.join(&name), test_only)
                        }
                        None => {
                            let flat = dir.join(format!("{name}.rs"));
                            let nested = dir.join(&name).join("mod.rs");
                            let path = if flat.exists() { flat } else { nested };
                            self.add_file(&path, Some(module), test_only)
                        }
                    };
                    self.modules[module].children.insert(name, child);
                }
                syn::Item::Use(used) => {
                    let mut paths = Vec::new();
                    use_paths(&used.tree, &mut Vec::new(), &mut paths);
                    for (name, path) in paths {
                        if name != "*" {
                            self.modules[module].uses.insert(name, path);
                        }
                    }
                }
                _ => {}
            }
        }
        module
    }

    /// Whether `path`, written in `module`, names something inside one of its child modules.
    fn descends(&self, module: usize, path: &[String]) -> bool {
        let start = match path.first().map(String::as_str) {
            Some("crate") if module == 0 => 1,
            Some("self") => 1,
            _ => 0,
        };
        path.get(start)
            .is_some_and(|first| self.modules[module].children.contains_key(first))
    }

    /// The file a path written in `module` leads to, if it leads into this crate.
    fn resolve(&self, module: usize, path: &[String], depth: usize) -> Option<usize> {
        if depth > 16 {
            return None; // a `use` cycle: not a file
        }
        let mut at = module;
        for (i, segment) in path.iter().enumerate() {
            let rest = &path[i + 1..];
            match segment.as_str() {
                "crate" if i == 0 => at = 0,
                "super" => at = self.modules[at].parent?,
                "self" => {}
                name => {
                    if let Some(&child) = self.modules[at].children.get(name) {
                        at = child;
                    } else if let Some(used) = self.modules[at].uses.get(name) {
                        // Follow the `use`: its path is written in module `at`.
                        let mut full = used.clone();
                        full.extend_from_slice(rest);
                        return self.resolve(at, &full, depth + 1).or(if i == 0 {
                            None // an outside crate's item, used by name
                        } else {
                            Some(self.modules[at].file)
                        });
                    } else if i == 0 {
                        return None; // not a path into this crate
                    } else {
                        return Some(self.modules[at].file); // an item defined in `at`
                    }
                }
            }
        }
        Some(self.modules[at].file)
    }
}

/// Collects the edges of one module's code.
struct Edges<'a> {
    tree: &'a Tree,
    module: usize,
    /// Within test code: nothing counts.
    in_test: bool,
    /// `(from file, to file) -> the first path that made the edge`.
    found: &'a mut BTreeMap<(usize, usize), String>,
}

impl Edges<'_> {
    /// Whether a path's first segment makes it a path into this crate.
    fn starts_in_crate(&self, first: &str) -> bool {
        matches!(first, "crate" | "super" | "self")
            || self.tree.modules[self.module].children.contains_key(first)
    }

    fn edge(&mut self, path: &[String]) {
        if self.in_test || path.is_empty() || !self.starts_in_crate(&path[0]) {
            return;
        }
        let from = self.tree.modules[self.module].file;
        if let Some(to) = self.tree.resolve(self.module, path, 0) {
            if to != from {
                self.found
                    .entry((from, to))
                    .or_insert_with(|| path.join("::"));
            }
        }
    }

    /// `crate::a::b` and the like inside a macro's tokens (`assert!`, `format!`, ...).
    fn macro_paths(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            if let TokenTree::Group(group) = &tokens[i] {
                self.macro_paths(group.stream());
            }
            let mut path = Vec::new();
            let mut j = i;
            while let Some(TokenTree::Ident(ident)) = tokens.get(j) {
                path.push(ident.to_string());
                let colons = matches!(
                    (tokens.get(j + 1), tokens.get(j + 2)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                        if a.as_char() == ':' && b.as_char() == ':'
                );
                if !colons {
                    break;
                }
                j += 3;
            }
            if path.len() >= 2 && self.starts_in_crate(&path[0]) {
                self.edge(&path);
                i = j;
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Edges<'_> {
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {
        // Doc comments (and their intra-doc links), derives, cfgs: not dependencies.
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            _ => &[],
        };
        if is_cfg_test(attrs) {
            return;
        }
        visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {
        // A declaration is no edge; an inline module's code is visited as its own module.
    }

    fn visit_item_use(&mut self, used: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&used.tree, &mut Vec::new(), &mut paths);
        let public = !matches!(used.vis, syn::Visibility::Inherited);
        for (_, path) in paths {
            // A parent's `pub use` of its own descendants' items only gives them a shorter
            // public path, as its `mod child;` declares them: neither is an edge.
            if !(public && self.tree.descends(self.module, &path)) {
                self.edge(&path);
            }
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() >= 2 {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.edge(&segments);
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_paths(mac.tokens.clone());
        visit::visit_macro(self, mac);
    }
}

/// Visits every module's own items (inline modules are modules of their own).
fn all_edges(tree: &Tree) -> BTreeMap<(usize, usize), String> {
    let mut found = BTreeMap::new();
    let mut stack: Vec<(usize, &[syn::Item], bool)> = tree
        .items
        .iter()
        .map(|(module, items)| {
            (
                *module,
                items.as_slice(),
                tree.files[tree.modules[*module].file].test_only,
            )
        })
        .collect();
    while let Some((module, items, in_test)) = stack.pop() {
        let mut edges = Edges {
            tree,
            module,
            in_test,
            found: &mut found,
        };
        for item in items {
            edges.visit_item(item);
            if let syn::Item::Mod(declared) = item {
                if let Some((_, inner)) = &declared.content {
                    let child = tree.modules[module].children[&declared.ident.to_string()];
                    stack.push((child, inner, in_test || is_cfg_test(&declared.attrs)));
                }
            }
        }
    }
    found
}

/// A cycle in the graph, as the files it passes through, if there is one.
fn find_cycle(nodes: usize, edges: &BTreeMap<(usize, usize), String>) -> Option<Vec<usize>> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(from, to) in edges.keys() {
        next[from].push(to);
    }
    // Depth-first, colouring: 0 unseen, 1 on the current path, 2 done.
    let mut colour = vec![0u8; nodes];
    let mut path: Vec<usize> = Vec::new();
    fn visit(
        node: usize,
        next: &[Vec<usize>],
        colour: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        colour[node] = 1;
        path.push(node);
        for &to in &next[node] {
            if colour[to] == 1 {
                let start = path.iter().position(|&n| n == to).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(to);
                return Some(cycle);
            }
            if colour[to] == 0 {
                if let Some(cycle) = visit(to, next, colour, path) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        colour[node] = 2;
        None
    }
    (0..nodes).find_map(|node| {
        if colour[node] == 0 {
            visit(node, &next, &mut colour, &mut path)
        } else {
            None
        }
    })
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn crates() -> Vec<Tree> {
    CRATES
        .iter()
        .map(|dir| Tree::read(&workspace().join(dir).join("lib.rs")))
        .collect()
}

fn shown(tree: &Tree, file: usize) -> String {
    let path = &tree.files[file].path;
    path.strip_prefix(workspace())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The files reachable from `start` along the edges.
fn reachable(start: usize, next: &[Vec<usize>]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        for &to in &next[node] {
            if seen.insert(to) {
                stack.push(to);
            }
        }
    }
    seen
}

/// Every knot of files that depend on one another, each with one cycle through it and
/// every edge inside it.
fn cycles(trees: &[Tree]) -> Vec<String> {
    let mut found = Vec::new();
    for tree in trees {
        let edges = all_edges(tree);
        let nodes = tree.files.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes];
        for &(from, to) in edges.keys() {
            next[from].push(to);
        }
        let reach: Vec<BTreeSet<usize>> = (0..nodes).map(|n| reachable(n, &next)).collect();
        let mut placed = BTreeSet::new();
        for node in 0..nodes {
            if placed.contains(&node) || !reach[node].contains(&node) {
                continue;
            }
            let knot: BTreeSet<usize> = (0..nodes)
                .filter(|&other| reach[node].contains(&other) && reach[other].contains(&node))
                .collect();
            placed.extend(knot.iter().copied());
            let inside: BTreeMap<(usize, usize), String> = edges
                .iter()
                .filter(|((from, to), _)| knot.contains(from) && knot.contains(to))
                .map(|(&edge, by)| (edge, by.clone()))
                .collect();
            let cycle = find_cycle(nodes, &inside).expect("a knot holds a cycle");
            let step = |from: usize, to: usize| {
                format!(
                    "  {} -> {} (by `{}`)",
                    shown(tree, from),
                    shown(tree, to),
                    inside[&(from, to)]
                )
            };
            let path: Vec<String> = cycle.windows(2).map(|w| step(w[0], w[1])).collect();
            let all: Vec<String> = inside.keys().map(|&(from, to)| step(from, to)).collect();
            found.push(format!(
                "a cycle:\n{}\nevery edge among its {} files:\n{}",
                path.join("\n"),
                knot.len(),
                all.join("\n")
            ));
        }
    }
    found
}

#[test]
fn no_file_depends_on_itself_through_others() {
    let trees = crates();
    let found = cycles(&trees);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_non_test_file_is_over_600_lines() {
    let mut long = Vec::new();
    for tree in crates() {
        for (i, file) in tree.files.iter().enumerate() {
            let lines = file.text.lines().count();
            let name = shown(&tree, i);
            let allowed = LONG_FILES.iter().any(|(path, _)| *path == name);
            if !file.test_only && lines > MAX_LINES && !allowed {
                long.push(format!("{name}: {lines} lines"));
            }
        }
    }
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

#[test]
fn every_file_opens_with_its_job() {
    let mut silent = Vec::new();
    for tree in crates() {
        for (i, file) in tree.files.iter().enumerate() {
            if !file.text.starts_with("//!") {
                silent.push(shown(&tree, i));
            }
        }
    }
    let main = fs::read_to_string(workspace().join("sim/src/main.rs")).unwrap();
    if !main.starts_with("//!") {
        silent.push("sim/src/main.rs".to_string());
    }
    assert!(
        silent.is_empty(),
        "files without a `//!` first line: {silent:?}"
    );
}

/// The checker itself finds a cycle, and names its files in order.
#[test]
fn the_cycle_finder_finds_a_cycle_and_only_a_cycle() {
    let edges = |pairs: &[(usize, usize)]| -> BTreeMap<(usize, usize), String> {
        pairs.iter().map(|&e| (e, String::new())).collect()
    };
    assert_eq!(
        find_cycle(4, &edges(&[(0, 1), (1, 2), (0, 2), (2, 3)])),
        None
    );
    assert_eq!(
        find_cycle(4, &edges(&[(0, 1), (1, 2), (2, 3), (3, 1)])),
        Some(vec![1, 2, 3, 1])
    );
}
