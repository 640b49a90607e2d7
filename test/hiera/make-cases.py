#!/usr/bin/env python3
"""Writes the project's own Hiera cases into test/hiera/cases/ (same layout as the shared
conformance corpus). Expectations come from the REAL `puppet lookup`: after writing, run
  python3 ../shared/hiera-conformance/generate-expectations.py test/hiera/cases --jobs 8
(Debian 12 `puppet` 7.23). The generated case.json files are committed; this script only
documents how the inputs were made and is re-run when a case is added."""
import json, os, re, shutil, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")

FACTS = {
    "reseller": "north", "customer": "acme", "role": "web", "profile": "nginx", "vm": "vm0042",
    "networking": {"fqdn": "vm0042.acme.example.net", "hostname": "vm0042", "domain": "acme.example.net"},
    "os": {"family": "Debian", "release": {"major": "12", "full": "12.5"}},
}
THREE = """version: 5
defaults: {datadir: data, data_hash: yaml_data}
hierarchy:
  - name: "Per VM"
    path: "vm/%{facts.vm}.yaml"
  - name: "Per customer"
    path: "customer/%{facts.customer}.yaml"
  - name: "Common"
    path: "common.yaml"
"""
ONE = """version: 5
defaults: {datadir: data, data_hash: yaml_data}
hierarchy:
  - name: "Common"
    path: common.yaml
"""

cases = {}
def case(name, desc, key, files, hiera=THREE, facts=None, merge=None, default=None, tags=()):
    cases[name] = dict(desc=desc, key=key, files=files, hiera=hiera, facts=facts, merge=merge, default=default, tags=list(tags))

# --- YAML typing (Psych) ---
PSYCH = """y_word: y
yes_mixed: yEs
octal: 0755
hex: 0x1F
underscore: 1_000
commas: 1,000
sexagesimal: 1:20
sexagesimal3: 1:20:30
exp_no_sign: 2e3
exp_signed: 2.0e+3
eight: 08
binary: 0b101
null_upper: NULL
dot_float: .5
str_tag: !!str 0755
int_tag: !!int "42"
empty_value:
quoted_yes: "yes"
"""
for k, v in [("y_word", "y"), ("yes_mixed", 1), ("octal", 1), ("hex", 1), ("underscore", 1), ("commas", 1),
             ("sexagesimal", 1), ("sexagesimal3", 1), ("exp_no_sign", 1), ("exp_signed", 1), ("eight", 1),
             ("binary", 1), ("null_upper", 1), ("dot_float", 1), ("str_tag", 1), ("int_tag", 1),
             ("empty_value", 1), ("quoted_yes", 1)]:
    case(f"yaml_{k}", f"Psych types the plain scalar of {k} as Puppet sees it", k, {"data/common.yaml": PSYCH}, hiera=ONE, tags=["yaml"])
case("yaml_date_is_file_error", "an unquoted date makes the whole file unreadable (safe_load refuses Date)", "a",
     {"data/common.yaml": "a: 1\nwhen: 2024-01-31\n"}, hiera=ONE, tags=["yaml"])
case("yaml_merge_key", "<< merge keys: merged keys replace earlier ones, later keys win", "b",
     {"data/common.yaml": "base: &base {x: 1, y: 2}\nb:\n  y: 0\n  <<: *base\n  z: 3\n"}, hiera=ONE, tags=["yaml"])
case("yaml_duplicate_key_last_wins", "a key given twice: the last one wins", "a",
     {"data/common.yaml": "a: first\na: second\n"}, hiera=ONE, tags=["yaml"])
case("yaml_symbol_value_error", "a :symbol value cannot be looked up", "s",
     {"data/common.yaml": "s: :sym\n"}, hiera=ONE, tags=["yaml"])
case("yaml_symbol_key_is_string", "a :symbol hash key becomes a String", "h",
     {"data/common.yaml": "h:\n  :name: x\n"}, hiera=ONE, tags=["yaml"])
case("yaml_boolean_key_error", "a hash with a Boolean key (yes:) cannot be looked up", "h",
     {"data/common.yaml": "h:\n  yes: 1\n"}, hiera=ONE, tags=["yaml"])
case("yaml_float_key", "a Float hash key prints as its Ruby text", "h",
     {"data/common.yaml": "h:\n  1.5: a\n"}, hiera=ONE, tags=["yaml"])
case("json_duplicate_key_last_wins", "JSON: the last of two equal keys wins", "a",
     {"data/common.json": '{"a": 1, "a": 2}\n'}, hiera=ONE.replace("yaml_data", "json_data").replace("common.yaml", "common.json"), tags=["json"])

# --- dotted keys ---
DOT = "ports:\n  80: http\nquoted:\n  \"80\": http\nname: shop\nlist: [a, b]\nnum: 5\n"
case("dot_integer_key", "a numeric segment matches an Integer hash key", "ports.80", {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("dot_numeric_segment_not_string_key", "a numeric segment does not match the String key \"80\"", "quoted.80", {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("dot_quoted_numeric_segment", "a quoted numeric segment matches the String key", 'quoted."80"', {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("dot_into_string_error", "digging into a String is an error", "name.x", {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("dot_array_by_name_error", "digging into an Array with a name is an error", "list.x", {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("dot_negative_index", "a negative index is not found", "list.-1", {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("dot_key_syntax_error", "a key with an empty segment is a syntax error", "list..0", {"data/common.yaml": DOT}, hiera=ONE, tags=["dot"])
case("lookup_options_prefix_not_found", "keys under lookup_options are never found", "lookup_options.x",
     {"data/common.yaml": "lookup_options:\n  x: {merge: deep}\n"}, hiera=ONE, tags=["dot"])

# --- merges ---
M = {"data/common.yaml": "pkgs: [vim, curl]\nnested: [a, [b, a]]\nh: {a: 1}\narr_low: [x]\nscalar: low\nmix: [b, 1]\nko: [keep, drop]\n",
     "data/customer/acme.yaml": "pkgs: [nginx]\nh: [1]\nscalar: [mid]\n",
     "data/vm/vm0042.yaml": "pkgs: [--vim, htop]\nnull_hi: ~\nhs: hello\narr_low: {k: v}\nscalar: --gone\nmix: [a]\nko: [--, new]\nempty_hi: {}\n"}
M["data/common.yaml"] += "null_hi: [x]\nempty_hi: [y]\n"
case("merge_unique_single_level_nested", "unique, one level: flattened, nested duplicates kept", "nested", M, merge="unique", tags=["merge"])
case("merge_unique_null_kept", "unique keeps a null of a higher level", "null_hi", M, merge="unique", tags=["merge"])
case("merge_hash_single_level_scalar", "hash merge of a String found at one level returns it", "hs", M, merge="hash", tags=["merge"])
case("merge_hash_lower_not_hash", "hash merge with an Array at a lower level is an error", "h", M, merge="hash", tags=["merge"])
case("merge_deep_hash_over_array", "deep: a hash above an array replaces it", "arr_low", M, merge="deep", tags=["merge"])
case("merge_deep_knockout_string", "deep + knockout: a '--x' String becomes ''", "scalar", M,
     merge={"strategy": "deep", "knockout_prefix": "--"}, tags=["merge"])
case("merge_deep_knockout_array_element", "deep + knockout: '--vim' removes vim", "pkgs", M,
     merge={"strategy": "deep", "knockout_prefix": "--"}, tags=["merge"])
case("merge_deep_knockout_whole_array", "deep + knockout: the bare prefix clears the lower array", "ko", M,
     merge={"strategy": "deep", "knockout_prefix": "--"}, tags=["merge"])
case("merge_deep_knockout_new_key", "deep + knockout: a hash new to lower levels merges into itself (Ruby aliasing empties the array)", "users",
     {"data/common.yaml": "users:\n  root: {uid: 0}\n", "data/vm/vm0042.yaml": "users:\n  svc: {uid: 1, groups: [--staff, svc]}\n  ops: {groups: [a, --b, b, c]}\n"},
     merge={"strategy": "deep", "knockout_prefix": "--"}, tags=["merge"])
case("merge_deep_sort_mixed_error", "sort_merged_arrays with Strings and Integers fails", "mix", M,
     merge={"strategy": "deep", "sort_merged_arrays": True}, tags=["merge"])
case("merge_deep_empty_hash_over_array", "deep: an empty hash above an array leaves the array", "empty_hi", M, merge="deep", tags=["merge"])
case("merge_deep_null_higher_keeps_lower", "deep: null above does not erase", "null_hi", M, merge="deep", tags=["merge"])

# --- lookup_options ---
LO = {"data/common.yaml": "lookup_options:\n  '^app::.*$': {merge: unique}\n  '^app::web.*$': {merge: deep}\n  bad: {merge: nosuch}\n  badopt: {merge: {strategy: unique, knockout_prefix: '--'}}\n  nostrat: {merge: {knockout_prefix: '--'}}\napp::web: [a]\nbad: 1\nbadopt: [1]\nnostrat: {a: 1}\n",
      "data/vm/vm0042.yaml": "app::web: [b]\nbad: 2\nbadopt: [2]\nnostrat: {b: 2}\n"}
case("lo_first_matching_regexp_wins", "the first regexp that matches gives the options", "app::web", LO, tags=["lookup_options"])
case("lo_unknown_strategy_error", "an unknown strategy in lookup_options fails", "bad", LO, tags=["lookup_options"])
case("lo_option_not_for_strategy_error", "knockout_prefix with unique fails", "badopt", LO, tags=["lookup_options"])
case("lo_hash_without_strategy_error", "a merge hash without strategy fails", "nostrat", LO, tags=["lookup_options"])
case("lo_interpolated_key", "lookup_options values are interpolated too", "x",
     {"data/common.yaml": "lookup_options:\n  x: {merge: '%{facts.mergekind}'}\nx: [1]\n", "data/vm/vm0042.yaml": "x: [2]\n"},
     facts=dict(FACTS, mergekind="unique"), tags=["lookup_options"])

# --- interpolation ---
I = """port: 8443
ratio: 0.5
tiny: 0.00001
list: [a, 1, ~]
flag: true
lit: "%{literal('%')}{facts.customer}"
twice: "x%{lookup('lit')}"
from_fact: "%{facts.indirect}"
ws_alias: "%{ alias('list') }"
bad_space: "%{lookup( 'port' )}"
dq_scope: '%{scope("customer")}'
env: "%{environment}"
env_colons: "%{::environment}"
list_in_string: "l=%{lookup('list')}"
float_in_string: "r=%{lookup('ratio')}"
tiny_in_string: "t=%{lookup('tiny')}"
into_string: "%{facts.customer.x}"
self_scope: "%{facts.selfref}"
recursion_dotted: "%{lookup('rd.a')}"
rd:
  a: "%{lookup('recursion_dotted')}"
"""
IF = dict(FACTS, indirect="%{facts.role}", selfref="%{facts.selfref}")
for k in ["twice", "from_fact", "ws_alias", "bad_space", "dq_scope", "env", "env_colons", "list_in_string",
          "float_in_string", "tiny_in_string", "lit", "into_string", "self_scope", "recursion_dotted"]:
    case(f"interp_{k}", f"interpolation: {k}", k, {"data/common.yaml": I}, hiera=ONE, facts=IF, tags=["interpolation"])
case("interp_method_in_path_error", "lookup() in a hierarchy path is refused", "x",
     {"data/common.yaml": "x: 1\n"}, hiera=ONE.replace("path: common.yaml", "path: \"%{lookup('y')}.yaml\""), tags=["interpolation"])
case("interp_path_environment", "%{::environment} in a path is Puppet's environment", "x",
     {"data/production/common.yaml": "x: prod\n", "data/common.yaml": "x: plain\n"},
     hiera=ONE.replace("path: common.yaml", "path: \"%{::environment}/common.yaml\""), tags=["interpolation"])
case("interp_datadir", "datadir is interpolated", "x",
     {"tenants/acme/common.yaml": "x: tenant\n"},
     hiera="version: 5\ndefaults: {datadir: 'tenants/%{facts.customer}', data_hash: yaml_data}\nhierarchy:\n  - name: Common\n    path: common.yaml\n", tags=["interpolation"])

# --- hierarchy ---
G = {"data/x/a.yaml": "k: a\nall: [a]\n", "data/x/b/c.yaml": "k: c\nall: [c]\n", "data/x/d.yaml": "k: d\nall: [d]\n", "data/x/.hidden.yaml": "k: hidden\nall: [h]\n",
     "data/y/e.yaml": "all: [e]\n"}
case("glob_recursive_sorted", "** globs are sorted entry by entry, dot files excluded", "all",
     G, hiera="version: 5\nhierarchy:\n  - name: G\n    glob: 'x/**/*.yaml'\n", merge="unique", tags=["glob"])
case("glob_braces", "brace alternatives keep their order", "all",
     G, hiera="version: 5\nhierarchy:\n  - name: G\n    glob: '{y,x}/*.yaml'\n", merge="unique", tags=["glob"])
case("mapped_paths_hash_fact", "mapped_paths over a hash fact finds nothing", "v",
     {"data/svc/a.yaml": "v: a\n", "data/common.yaml": "v: common\n"},
     hiera="version: 5\nhierarchy:\n  - name: M\n    mapped_paths: [svc, s, 'svc/%{s}.yaml']\n  - name: C\n    path: common.yaml\n",
     facts=dict(FACTS, svc={"a": 1}), tags=["mapped_paths"])
case("path_fact_with_slash", "a fact with / makes sub-directories", "v",
     {"data/a/b.yaml": "v: deep\n"},
     hiera="version: 5\nhierarchy:\n  - name: F\n    path: '%{facts.sub}.yaml'\n", facts=dict(FACTS, sub="a/b"), tags=["path"])
case("path_integer_fact", "an Integer fact renders as its digits in a path", "v",
     {"data/n/42.yaml": "v: forty-two\n"},
     hiera="version: 5\nhierarchy:\n  - name: F\n    path: 'n/%{facts.n}.yaml'\n", facts=dict(FACTS, n=42), tags=["path"])
case("unknown_function_missing_file_ok", "an unknown data_hash on a level whose file is missing is not reached", "x",
     {"data/common.yaml": "x: 1\n"},
     hiera="version: 5\nhierarchy:\n  - name: Odd\n    path: none.yaml\n    data_hash: nosuch_data\n  - name: C\n    path: common.yaml\n", tags=["config"])
case("default_with_merge_not_found", "a default is returned for a missing key with deep merge", "nope",
     {"data/common.yaml": "x: 1\n"}, hiera=ONE, merge="deep", default={"a": [1]}, tags=["default"])


# --- Puppet types kept through lookup: whole-number Floats, Integer hash keys, Psych scalars ---
# `type`: recorded by record_types() below with `puppet apply` (a class parameter of that type
# given the looked-up value); `expect_yaml`: `puppet lookup --render-as yaml`, which, unlike
# JSON, shows 4.0 and Integer keys.
T = {"data/common.yaml": "pg::random_page_cost: 4.0\npg::tuning: {seq_page_cost: 1.0, effective_io: 2.5}\n"
     "gates: {1: Nordtor, 2: S\u00fcdtor}\ncost_text: \"cost=%{lookup('pg::random_page_cost')}\"\n"
     "cost_alias: \"%{alias('pg::random_page_cost')}\"\n"
     "scalars: [y, n, yes, on, ~, 010, 0o10, 1_000, '1:30:00', 1:30:00, 2.50, 1e3, 1.0e+3, No, 0x1F]\n",
     "data/vm/vm0042.yaml": "pg::tuning: {random_page_cost: 4.0}\ngates: {3: Westtor}\n"}
case("typed_whole_float", "a whole-number Float stays a Float", "pg::random_page_cost", T, tags=["typed"])
case("typed_whole_float_deep_merge", "whole-number Floats stay Floats through a deep merge", "pg::tuning", T, merge="deep", tags=["typed"])
case("typed_whole_float_interpolated", "a whole-number Float interpolates as 4.0", "cost_text", T, tags=["typed"])
case("typed_whole_float_alias", "alias() keeps a whole-number Float a Float", "cost_alias", T, tags=["typed"])
case("typed_integer_keys", "Integer hash keys stay Integers", "gates", T, tags=["typed"])
case("typed_integer_keys_deep_merge", "Integer hash keys stay Integers through a deep merge", "gates", T, merge="deep", tags=["typed"])
case("typed_psych_scalars", "plain scalars as Psych types them", "scalars", T, tags=["typed"])
TYPES = {
    "typed_whole_float": "Float[0.5, 10.0]",
    "typed_whole_float_deep_merge": "Hash[String, Float]",
    "typed_whole_float_interpolated": "String",
    "typed_whole_float_alias": "Float[0.5, 10.0]",
    "typed_integer_keys": "Hash[Integer[1, 99], String[1]]",
    "typed_integer_keys_deep_merge": "Hash[Integer[1, 99], String[1]]",
    "typed_psych_scalars": "Tuple[String, String, Boolean, Boolean, Undef, Integer, String, Integer, String, Integer, Float, String, Float, Boolean, Integer]",
}


def write():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for name, c in sorted(cases.items()):
        d = os.path.join(OUT, name)
        os.makedirs(d)
        with open(os.path.join(d, "hiera.yaml"), "w") as fh:
            fh.write(c["hiera"])
        for rel, text in c["files"].items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as fh:
                fh.write(text)
        with open(os.path.join(d, "facts.json"), "w") as fh:
            json.dump(c["facts"] or FACTS, fh, indent=2)
        cj = {"description": c["desc"], "tags": c["tags"], "key": c["key"]}
        if c["merge"] is not None:
            cj["merge"] = c["merge"]
        if c["default"] is not None:
            cj["default"] = c["default"]
        with open(os.path.join(d, "case.json"), "w") as fh:
            json.dump(cj, fh, indent=2)
    print(f"{len(cases)} cases written to {OUT}")

def record_types():
    """After generate-expectations.py: adds `expect_yaml` and `type` ({type, accepted, message})
    to the typed cases, from the real `puppet lookup --render-as yaml` and `puppet apply`."""
    import subprocess, tempfile
    for name, type_text in TYPES.items():
        d = os.path.join(OUT, name)
        with open(os.path.join(d, "case.json")) as fh:
            cj = json.load(fh)
        t = tempfile.mkdtemp(prefix="hiera-typed-")
        for sub in ("conf", "code", "var", "env/production"):
            os.makedirs(os.path.join(t, sub))
        common = ["--confdir", t + "/conf", "--codedir", t + "/code", "--vardir", t + "/var",
                  "--environmentpath", t + "/env", "--environment", "production",
                  "--hiera_config", os.path.join(d, "hiera.yaml")]
        merge = cj.get("merge")
        p = subprocess.run(["puppet", "lookup", *common, "--node", "hiera-conformance-node",
                            "--facts", os.path.join(d, "facts.json"), "--render-as", "yaml",
                            *(["--merge", merge] if merge else []), cj["key"]],
                           capture_output=True, text=True, cwd=t)
        cj["expect_yaml"] = p.stdout
        facts = json.load(open(os.path.join(d, "facts.json")))
        env = dict(os.environ, **{"FACTER_" + k: v for k, v in facts.items() if isinstance(k, str) and isinstance(v, str)})
        manifest = ("class typed(%s $v) { notice(type($v, generalized)) }\n"
                    "class { 'typed': v => lookup('%s', Any, '%s') }\n" % (type_text, cj["key"], merge or "first"))
        p = subprocess.run(["puppet", "apply", *common, "--noop", "--color", "false", "-e", manifest],
                           capture_output=True, text=True, cwd=t, env=env)
        msg = re.search(r"Class\[Typed\]: parameter 'v' (.*?)(?: \(line|$)", p.stderr + p.stdout, re.M)
        cj["type"] = {"type": type_text, "accepted": p.returncode == 0 and msg is None}
        if msg:
            cj["type"]["message"] = msg.group(1)
        with open(os.path.join(d, "case.json"), "w") as fh:
            json.dump(cj, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        print(name, cj["type"])

if __name__ == "__main__":
    if sys.argv[1:] == ["--record-types"]:
        record_types()
    else:
        write()
