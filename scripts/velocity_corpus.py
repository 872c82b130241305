#!/usr/bin/env python3
"""Differential corpus for the Velocity engine: every template rendered by airspeed.

Amazon API Gateway runs Apache Velocity 1.7, which is what Sources/Velocity implements. airspeed
(PyPI) is a Python implementation of Velocity; this script renders a corpus of
templates with it and records, case by case, where Velocity 1.7 answers differently and why. The
result goes to Tests/VelocityTests/Resources/airspeed-corpus.json, which AirspeedCorpusTests.swift
renders with our engine: it must match `velocity17` when a case records one, else `airspeed`.

    python3 scripts/velocity_corpus.py            # regenerate the JSON
    python3 scripts/velocity_corpus.py --check    # exit 1 if the committed JSON is stale
    python3 scripts/velocity_corpus.py --oracle   # compare expectations with real Velocity 1.7
    python3 scripts/velocity_corpus.py --table    # the differences table in docs/velocity.md

`--oracle` needs Java and the Velocity 1.7 jar (Debian: `apt-get install velocity`); it renders
every case with Apache Velocity 1.7 itself and lists the cases whose recorded expectation is wrong.
The recorded `velocity17` values were taken from that run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import airspeed

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "VelocityTests", "Resources", "airspeed-corpus.json")
VELOCITY_CLASSPATH = ["/usr/share/java/velocity-1.7.jar", "/usr/share/java/commons-collections3.jar",
                      "/usr/share/java/commons-lang.jar"]

CASES = []

# Reasons that recur, so the same difference reads the same way everywhere.
PY_STR = "airspeed renders Python's str(): True/False, ['a'] and {'k': 1}; Java prints true/false, [a] and {k=1}"
PY_TRUTH = "airspeed uses Python truthiness (empty string, list, map and 0 are false); in Velocity 1.7 only null and false are"
NO_METHOD = ("airspeed lacks the Java method (it adds only length, replaceAll, startsWith, matches and contains to strings, "
             "size, get, contains, add and set to lists, isEmpty, keySet, put and putAll to maps), so the reference "
             "renders literally; Velocity 1.7 calls it")
GOBBLE_FOREACH = "airspeed keeps the newline after #foreach(...); Velocity 1.7 eats it (and the newline after #end) but keeps indentation"
GOBBLE_ELSE = "airspeed keeps the newline after #else; Velocity 1.7 eats it, as after #if(...) and #end"
GOBBLE_MACRO_CALL = "Velocity 1.7 eats the newline after a macro call's ')'; airspeed keeps it"
FLOOR_DIVISION = "airspeed uses Python floor division and modulo; Java truncates toward zero"
SET_EATS_BLANKS = ("Velocity 1.7 lexes the blanks before #set together with it when a reference, directive, comment "
                   "or escape rather than text precedes them, so they vanish; airspeed keeps them")
NOT_NUMBERS = "Velocity 1.7 does arithmetic on numbers only and yields null otherwise, so #set leaves $r unset; airspeed applies Python's operator"
CONCATENATION = "airspeed raises TypeError adding a str and a number; Velocity 1.7 concatenates when either side is a string"
DIVISION_BY_ZERO = "Velocity 1.7 logs a division by zero and yields null, so #set leaves the variable as it was; airspeed raises ZeroDivisionError"
ENDS_WITH_SYMBOL = "Velocity 1.7's lexer fails on a '$' or '#' (or '$!') that ends the template; airspeed renders it as text"


def case(name, template, context=None, *, velocity17=None, velocity17_error=None, note=None):
    """One corpus entry. `velocity17` is Velocity 1.7's output where it differs from airspeed's;
    `velocity17_error` says why Velocity 1.7 fails on a template airspeed renders."""
    CASES.append({"name": name, "template": template, "context": context or {}, "velocity17": velocity17,
                  "velocity17Error": velocity17_error, "note": note})


def lines(*parts):
    return "\n".join(parts)


# --- References --------------------------------------------------------------------------------

case("reference_simple", "Hello $name!", {"name": "Ada"})
case("reference_formal", "${size}px", {"size": 12})
case("reference_quiet_defined", "[$!name][$!{name}]", {"name": "x"})
case("reference_quiet_undefined", "[$!name][$!{name}]")
case("reference_undefined_renders_literally", "Hello $name and ${other.thing}!")
case("reference_null_in_context", "[$n][$!n]", {"n": None})
case("reference_property_chain", "$user.address.city", {"user": {"address": {"city": "Oslo"}}})
case("reference_missing_property_renders_literally", "$user.nope|$!user.nope", {"user": {"a": 1}})
case("reference_trailing_dot_is_text", "$name.", {"name": "end"})
case("reference_dollar_without_name_is_text", "costs $5 or $ 6, 100% # x")
case("reference_index_syntax", "#set($l = [1, 2])$l[0] $l[1]")
case("reference_lone_dollar_before_newline", "a $\nb #\n")
case("reference_index_and_get", "$items[1].name $items.get(0).get('name')",
     {"items": [{"name": "first"}, {"name": "second"}]})
case("reference_map_index", "$m['k']", {"m": {"k": "v"}})
case("reference_hyphen_belongs_to_the_name", "$a-b", {"a-b": "x", "a": "y"},
     velocity17="x", note="Velocity 1.7 allows '-' in identifiers, so this is $a-b; airspeed reads $a then '-b'")
case("reference_unknown_method_renders_literally", "$name.nope(1)", {"name": "x"})
case("reference_boolean_renders_java_style", "$t $f", {"t": True, "f": False}, velocity17="true false", note=PY_STR)
case("reference_list_renders_java_style", "$l", {"l": [1, "a", [True]]}, velocity17="[1, a, [true]]", note=PY_STR)
case("reference_map_renders_java_style", "$m", {"m": {"k": 1, "j": "x"}}, velocity17="{k=1, j=x}", note=PY_STR)
case("reference_double_renders_java_style", "$d $e", {"d": 2.0, "e": 0.5})
case("reference_quiet_with_method", "$!s.toUpperCase()", {"s": "ab"},
     velocity17="AB", note=NO_METHOD)
case("reference_adjacent_text", "$a$b ${a}x $a.b", {"a": "1", "b": "2"})

# --- String methods ----------------------------------------------------------------------------

case("string_length", "$s.length()", {"s": "hello"})
case("string_substring_from", "$s.substring(7)", {"s": "Hello, World"},
     velocity17="World", note=NO_METHOD)
case("string_substring_range", "$s.substring(0, 5)", {"s": "Hello, World"},
     velocity17="Hello", note=NO_METHOD)
case("string_index_of", "$s.indexOf('o')|$s.indexOf('z')", {"s": "Hello, World"},
     velocity17="4|-1", note=NO_METHOD)
case("string_last_index_of", "$s.lastIndexOf('o')", {"s": "Hello, World"},
     velocity17="8", note=NO_METHOD)
case("string_replace", "$s.replace('l', 'L')", {"s": "Hello"})
case("string_replace_all_with_group", "$s.replaceAll('([a-z])([0-9]+)', '$2$1')", {"s": "a1b22"},
     velocity17="1a22b", note="airspeed passes the replacement to Python's re.sub, where $2 is literal; Java expands $n groups")
case("string_replace_all_class", "$s.replaceAll('[0-9]+', '#')", {"s": "a1b22c333"})
case("string_replace_first", "$s.replaceFirst('[0-9]', '_')", {"s": "a1b2"},
     velocity17="a_b2", note=NO_METHOD)
case("string_matches_whole", "#if($s.matches('[a-c0-9]+'))yes#{else}no#end", {"s": "a1b2"})
case("string_matches_is_anchored", "#if($s.matches('a1'))yes#{else}no#end", {"s": "a1b2"},
     velocity17="no", note="airspeed's matches() is re.match, anchored only at the start; Java's must match the whole string")
case("string_split", "#foreach($p in $s.split(','))[$p]#end", {"s": "a,b,,c"})
case("string_split_regex", "$s.split('[;,]').size()", {"s": "a;b,c"},
     velocity17="3", note="airspeed calls Python's str.split, which takes no regular expression and returns a list without size()")
case("string_split_drops_trailing_empties", "#foreach($p in $s.split(','))[$p]#end", {"s": "a,b,,"},
     velocity17="[a][b]", note="Java's split drops trailing empty strings; Python's keeps them")
case("string_to_lower_upper", "$s.toLowerCase() $s.toUpperCase()", {"s": "MiXeD"},
     velocity17="mixed MIXED", note=NO_METHOD)
case("string_trim", "[$s.trim()]", {"s": "  padded \t"},
     velocity17="[padded]", note=NO_METHOD)
case("string_equals", "$s.equals('abc') $s.equals('x')", {"s": "abc"},
     velocity17="true false", note=NO_METHOD)
case("string_equals_ignore_case", "$s.equalsIgnoreCase('ABC')", {"s": "abc"},
     velocity17="true", note=NO_METHOD)
case("string_contains", "$s.contains('ell') $s.contains('x')", {"s": "hello"},
     velocity17="true false", note=PY_STR)
case("string_starts_ends_with", "$s.startsWith('he') $s.endsWith('lo')", {"s": "hello"},
     velocity17="true true", note=NO_METHOD + "; startsWith renders Python's True")
case("string_is_empty", "$s.isEmpty() $e.isEmpty()", {"s": "x", "e": ""},
     velocity17="false true", note=NO_METHOD)
case("string_char_at", "$s.charAt(1)", {"s": "abc"}, velocity17="b", note=NO_METHOD)
case("string_concat", "$s.concat('!')", {"s": "hi"}, velocity17="hi!", note=NO_METHOD)
case("map_property_is_only_a_key", "$m.empty $m.size", {"m": {}})
case("string_empty_property_is_isEmpty", "$s.empty", {"s": ""},
     velocity17="true", note="Velocity 1.7 maps the property $s.empty to isEmpty(); airspeed has no such attribute")
case("string_methods_chain", "$s.trim().toUpperCase().substring(1, 3)", {"s": " abcd "},
     velocity17="BC", note=NO_METHOD)
case("string_unicode_length", "$s.length()", {"s": "h\u00e9llo"})

# --- List and map methods ----------------------------------------------------------------------

case("list_size_get_contains", "$l.size() $l.get(1) $l.contains(3) $l.contains(9)", {"l": [1, 2, 3]},
     velocity17="3 2 true false", note=PY_STR)
case("list_is_empty", "$l.isEmpty() $e.isEmpty()", {"l": [1], "e": []},
     velocity17="false true", note=NO_METHOD)
case("list_index_of", "$l.indexOf('b')", {"l": ["a", "b"]},
     velocity17="1", note=NO_METHOD)
case("list_add_then_render", "#set($l = [])#set($ok = $l.add('a'))#set($ok = $l.add('b'))$l",
     velocity17="[a, b]", note=PY_STR)
case("list_add_renders_its_result", "#set($l = [1])$l.add(2) $l.size()",
     velocity17="true 2", note="Java's List.add returns true, which renders; airspeed's returns None, so the reference renders literally")
case("list_get_out_of_range_raises", "$l.get(5)", {"l": [1, 2]})
case("map_get_and_property", "$m.get('a') $m.a $m['a']", {"m": {"a": 1}})
case("map_contains_key", "$m.containsKey('a') $m.containsKey('z')", {"m": {"a": 1}},
     velocity17="true false", note=NO_METHOD)
case("map_key_set", "#foreach($k in $m.keySet())$k;#end", {"m": {"b": 1, "a": 2}})
case("map_values", "#foreach($v in $m.values())$v;#end", {"m": {"b": 1, "a": 2}})
case("map_size_is_empty", "$m.size() $m.isEmpty() $e.isEmpty()", {"m": {"a": 1}, "e": {}},
     velocity17="1 false true", note=NO_METHOD + "; isEmpty renders Python's True/False")
case("map_put_then_render", "#set($m = {})#set($old = $m.put('k', 'v'))$m.k $m.size()",
     velocity17="v 1", note=NO_METHOD)
case("map_entry_set", "#foreach($e in $m.entrySet())$e.key=$e.value;#end", {"m": {"a": 1, "b": 2}},
     velocity17="a=1;b=2;", note=NO_METHOD)
case("map_nested_get", "$m.get('outer').get('inner')", {"m": {"outer": {"inner": "deep"}}})

# --- #set ---------------------------------------------------------------------------------------

case("set_string", '#set($a = "x")#set($b = $a)$b')
case("set_number_and_arithmetic", "#set($n = 2 + 3 * 4)$n")
case("set_null_keeps_previous_value", "#set($a = 1)#set($a = $missing)$a",
     velocity17="1", note="Velocity 1.7 leaves the variable alone when the value is null (directive.set.null.allowed=false); airspeed sets it to None")
case("set_null_on_unset_variable", "#set($a = $missing)[$a]")
case("set_map_property", "#set($m = {})#set($m.a = 1)$m.a")
case("set_list_literal", "#set($l = [1, 'two', 3.5])$l.size() $l.get(1)")
case("set_interpolated_string", '#set($name = "Ada")#set($s = "Hi $name!")$s')
case("set_single_quotes_do_not_interpolate", "#set($a = 'x')#set($b = '$a')$b")
case("set_double_quotes_with_formal_reference", '#set($a = "x")#set($b = "${a}y")$b')
case("set_interpolated_directive", '#set($b = "[#if(true)yes#end]")$b')
case("set_boolean", "#set($t = true)#if($t)on#end")
case("set_reference_to_list_element", "#set($first = $l.get(0))$first", {"l": ["a", "b"]})
case("set_with_spaces_inside_parentheses", "#set( $a = 'spaced' )$a")
case("set_overwrites_context_variable", "#set($name = 'new')$name", {"name": "old"})

# --- #if / #elseif / #else -----------------------------------------------------------------------

IF_CHAIN = "#if($n < 0)neg#elseif($n == 0)zero#{else}pos#end"
case("if_elseif_else_negative", IF_CHAIN, {"n": -1})
case("if_elseif_else_zero", IF_CHAIN, {"n": 0})
case("if_elseif_else_positive", IF_CHAIN, {"n": 3})
case("if_undefined_is_false", "#if($missing)yes#{else}no#end")
case("if_null_is_false", "#if($n)yes#{else}no#end", {"n": None})
case("if_empty_string_is_true", "#if($s)yes#{else}no#end", {"s": ""}, velocity17="yes", note=PY_TRUTH)
case("if_empty_list_is_true", "#if($l)yes#{else}no#end", {"l": []}, velocity17="yes", note=PY_TRUTH)
case("if_zero_is_true", "#if($z)yes#{else}no#end", {"z": 0}, velocity17="yes", note=PY_TRUTH)
case("if_literal_conditions_are_false", "#if('x')a#end#if(1)b#end#if([1])c#end#if(1 + 1)d#end#if(true)e#end#if(!'x')f#end",
     velocity17="ef", note="Velocity 1.7 takes any literal but true, and any arithmetic, as a false condition whatever its "
     "value (only references, comparisons and logic are judged by value); airspeed uses Python truthiness")
case("if_logic_on_literals", "#set($r = 'x' || false)$r", velocity17="false",
     note="Velocity 1.7 takes the literal 'x' as false in a logical operation; airspeed takes Python's truth and renders True")
case("if_not", "#if(!$missing)absent#end #if(!$t)x#{else}present#end", {"t": True})
case("if_quiet_empty_string_check", '#if("$!missing" == "")empty#end')
case("if_equals_string", '#if($s == "abc")same#end', {"s": "abc"})
case("if_brace_else_end", "#if(false)a#{else}b#{end}c")

# --- #foreach -----------------------------------------------------------------------------------

case("foreach_list", "#foreach($x in $xs)$x,#end", {"xs": ["a", "b", "c"]})
case("foreach_loop_state", "#foreach($x in $xs)$foreach.index/$foreach.count/$velocityCount:$x "
     "#end", {"xs": ["a", "b"]})
case("foreach_has_next_commas", "#foreach($x in $xs)$x#if($foreach.hasNext),#end#end", {"xs": [1, 2, 3]})
case("foreach_velocity_has_next", "#foreach($x in $xs)$x#if($velocityHasNext)+#end#end", {"xs": [1, 2]})
case("foreach_first_last", "#foreach($x in [1..3])#if($foreach.first)<#end$x#if($foreach.last)>#end#end")
case("foreach_range", "#foreach($i in [1..4])$i#end")
case("foreach_descending_range", "#foreach($i in [3..1])$i#end")
case("foreach_range_from_reference", "#foreach($i in [$n..2])$i#end", {"n": 0})
case("foreach_over_map_visits_values", "#foreach($v in $m)$v;#end", {"m": {"a": 1, "b": 2}},
     velocity17="1;2;", note="Velocity 1.7 iterates a Map's values; airspeed iterates its keys")
case("foreach_empty_list", "[#foreach($x in $xs)$x#end]", {"xs": []})
case("foreach_over_null", "[#foreach($x in $missing)$x#end]")
case("foreach_nested", "#foreach($a in [1, 2])#foreach($b in ['x', 'y'])$a$b #end#end")
case("foreach_nested_counts", "#foreach($a in [1, 2])#foreach($b in [1])$foreach.count#end$foreach.count;#end")
case("foreach_sum_with_set", "#set($sum = 0)#foreach($i in [1..4])#set($sum = $sum + $i)#end$sum")
case("foreach_break", "#foreach($i in [1..5])#if($i == 3)#break#end$i#end",
     velocity17="12", note="airspeed has no #break: it renders '#break' as text and keeps looping")
case("foreach_loop_variable_after_loop", "#foreach($i in [1..2])$i#end $i")
case("foreach_map_literal_items", '#foreach($p in [{"n": "a"}, {"n": "b"}])$p.n#end')

# --- #stop, #macro, #define ----------------------------------------------------------------------

case("stop_ends_rendering", "a#foreach($i in [1..3])$i#if($i == 2)#stop#end#end b")
case("macro_with_arguments", "#macro(greet $who $p)Hello $who$p#end#greet('Ada' '!') #greet(\"Bob\", '?')")
case("macro_without_arguments", "#macro(hr)----#end#hr()#hr()")
case("macro_argument_from_reference", "#macro(show $v)[$v]#end#show($x)", {"x": 42})
case("macro_locals_leave_caller_alone", "#macro(m $x)[$x]#end#set($x = 1)#m(2)$x")
case("macro_unknown_renders_literally", "#nothing(1 2) and #plain",
     velocity17="#nothing(1 2) and #plain", note="airspeed raises 'no such macro'; Velocity 1.7 renders an unknown macro call as written")
case("macro_recursion_limit_raises", "#macro(loop)#loop()#end#loop()")
case("define_renders_body_when_referenced", "#define($block)v=$v#end#set($v = 1)$block #set($v = 2)$block",
     velocity17="v=1v=2", note=SET_EATS_BLANKS)

# --- Arithmetic, comparison, logic ---------------------------------------------------------------

case("arithmetic_integer_division", "#set($r = 7 / 2)$r")
case("arithmetic_negative_division_truncates", "#set($r = -7 / 2)$r", velocity17="-3", note=FLOOR_DIVISION)
case("arithmetic_modulo", "#set($r = 7 % 3)$r")
case("arithmetic_negative_modulo", "#set($r = -7 % 3)$r", velocity17="-1", note=FLOOR_DIVISION)
case("arithmetic_mixed_int_float", "#set($r = 1.5 + 1)$r #set($q = 7 / 2.0)$q",
     velocity17="2.53.5", note=SET_EATS_BLANKS + "; airspeed also floor-divides 7 / 2.0 to 3.0")
case("arithmetic_precedence", "#set($a = 1 + 2 * 3)#set($b = (1 + 2) * 3)$a $b")
case("arithmetic_negative_literals", "#set($r = 2 * -3)$r|#set($s = 5 - -1)$s|#foreach($i in [-2..1])$i#end")
case("arithmetic_minus_touching_a_digit_is_a_literal", "#set($r = 5 -1)$r", velocity17_error="ParseErrorException",
     note="Velocity 1.7 lexes '-1' as a number, so '5 -1' is two values in a row and fails to parse; airspeed subtracts")
case("arithmetic_division_by_zero", "#set($r = 0)#set($r = 1 / 0)$r",
     velocity17="0", note=DIVISION_BY_ZERO)
case("arithmetic_plus_concatenates_strings", '#set($r = "a" + 1 + 2)$r', velocity17="a12",
     note=CONCATENATION)
case("arithmetic_number_then_string", '#set($r = 1 + 2 + "a")$r', velocity17="3a",
     note=CONCATENATION)
case("arithmetic_double_product", "#set($x = 2.5 * 2)$x")
case("arithmetic_double_division", "#set($y = 10 / 3.0)$y", velocity17="3.3333333333333335",
     note="airspeed floor-divides doubles too (10 / 3.0 is 3.0)")
case("arithmetic_double_division_by_zero", "#set($r = 7.0 / 0)$r", velocity17="$r", note=DIVISION_BY_ZERO)
case("arithmetic_large_product_widens", "#set($r = 100000 * 100000)$r")
case("arithmetic_string_times_number", "#set($r = 'a' * 2)$r", velocity17="$r", note=NOT_NUMBERS)
case("arithmetic_boolean_plus_number", "#set($r = true + 1)$r", velocity17="$r", note=NOT_NUMBERS)
case("arithmetic_list_plus_list", "#set($r = [1] + [2])$r", velocity17="$r", note=NOT_NUMBERS)
case("arithmetic_overflow_widens", "#set($r = 2147483647 + 1)$r")
case("arithmetic_string_plus_undefined_reference", "#set($r = 'x' + $missing + 'y')$r|#set($q = $m.nope + '!')$q", {"m": {}},
     velocity17="x$missingy|$m.nope!",
     note="Velocity 1.7 joins an unset reference to a string as it is written; airspeed raises TypeError on str + None")
case("arithmetic_with_null_operand", "#set($r = 5)#set($r = $missing + 1)$r",
     velocity17="5", note="Velocity 1.7 yields null for arithmetic on null, so #set keeps the value; airspeed raises TypeError")
case("comparison_numbers", "#set($r = 1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3)$r", velocity17="true", note=PY_STR)
case("comparison_word_forms", "#set($r = 1 lt 2 and 2 le 2 and 3 gt 2 and 3 ge 3)$r", velocity17="true", note=PY_STR)
case("comparison_int_equals_double", "#if(1 == 1.0)eq#end #if(2 eq 2)eq#end")
case("comparison_not_equals", "#if(1 != 2)ne#end #if('a' ne 'b')ne#end")
case("comparison_number_equals_string", "#if(1 == '1')same#{else}different#end",
     velocity17="same", note="Velocity 1.7 compares values of different classes by toString(); Python's 1 == '1' is false")
case("logic_and_or_not", "#if(true && !false)a#end#if(false || true)b#end#if(not false)c#end#if(true and false)d#end")
case("logic_short_circuit", "#if($missing && $missing.explode())x#{else}safe#end")
case("logic_or_with_undefined", "#if($missing || $n > 0)yes#end", {"n": 1})

# --- Literals -------------------------------------------------------------------------------------

case("list_literal", "#set($l = [1, 'a', [true]])$l", velocity17="[1, a, [true]]", note=PY_STR)
case("map_literal", '#set($m = {"a": 1, "b": [2]})$m', velocity17="{a=1, b=[2]}", note=PY_STR)
case("empty_literals", "#set($l = [])#set($m = {})$l.size() $m.size()",
     velocity17="0 0", note=NO_METHOD)
case("range_literal", "#set($r = [1..3])$r", velocity17="[1, 2, 3]", note="airspeed's range literal is a Python range object")
case("single_quote_literal_keeps_dollar", "#set($s = 'cost: $5 #if')$s")
case("double_quote_escaped_dollar", '#set($s = "price \\$x")$s', {"x": 1})

# --- Comments, escapes, unparsed content ------------------------------------------------------------

case("line_comment", "a## line comment\nb")
case("block_comment", "a#* block\ncomment *#c")
case("line_comment_right_after_a_property_is_text", "$m.k## c $m.k\nnext ${m.k}## gone\n.", {"m": {"k": "v"}},
     velocity17="v## c v\nnext v.",
     note="Velocity 1.7's lexer takes '##' right after an informal property reference ($m.k) as text, not a comment; airspeed drops the comment")
case("escaped_defined_reference", r"\$name \\$name", {"name": "Ada"},
     velocity17=r"$name \Ada", note="airspeed unescapes \\$ but leaves the second backslash pair; Velocity 1.7 halves backslashes before a defined reference")
case("escaped_undefined_reference", r"\$name", velocity17=r"\$name",
     note="Velocity 1.7 keeps the backslash before an undefined reference; airspeed drops it")
case("escaped_reference_with_more_backslashes", r"\\$x \\\$x", {"x": 1}, velocity17=r"\1 \$x",
     note="Velocity 1.7 halves the backslashes before a defined reference; airspeed keeps both")
case("escaped_unknown_directive_keeps_backslash", r"\#foo \#end", velocity17=r"\#foo #end",
     note="Velocity 1.7 keeps the backslash before a '#' that names no directive or macro; airspeed drops it")
case("escaped_directives", r"\#if($a) \#set($b = 1)")
case("unparsed_block", "#[[ $a #if( ]]#",
     velocity17=" $a #if( ", note="airspeed does not know #[[ ]]# and parses its content")
case("hash_that_starts_no_directive", '{"color": "#fff", "n": "#1", "b": "#{fff}"}')
case("dollar_in_json_text", '{"price": "$5.00", "path": "$.items"}')

# --- Whitespace ---------------------------------------------------------------------------------------

case("ws_set_alone_on_a_line", "a\n#set($x = 1)\nb$x\n")
case("ws_indented_set_after_text", "a\n  #set($x = 1)\nb$x")
case("ws_tab_indented_set_after_text", "x\n\t#set($a = 1)\n$a")
case("ws_indented_set_after_directive", "#set($a = 1)\n  #set($b = 2)\n$a$b",
     velocity17="12", note=SET_EATS_BLANKS)
case("ws_set_inline_keeps_surrounding_text", "a #set($x = 1) b\nc")
case("ws_if_end_eat_their_newline", "#if(true)\nyes\n#end\nnext")
case("ws_inline_end_eats_following_newline", "#if(true)yes#end\nnext")
case("ws_else_eats_its_newline", "#if(false)\na\n#else\nb\n#end\n", velocity17="b\n", note=GOBBLE_ELSE)
case("ws_elseif_eats_its_newline", "#if($n == 1)\none\n#elseif($n == 2)\ntwo\n#else\nmany\n#end\ndone", {"n": 2})
case("ws_foreach_eats_its_newline", "#foreach($i in [1..2])\n$i\n#end\ndone",
     velocity17="1\n2\ndone", note=GOBBLE_FOREACH)
case("ws_indented_directives_keep_indentation",
     lines("[", "  #foreach($i in [1..2])", "    #if($i == 2)", "  two", "    #else", "  one", "    #end", "  #end", "]"),
     velocity17="[\n        one\n            two\n      ]", note=GOBBLE_FOREACH + "; " + GOBBLE_ELSE)
case("ws_line_comment_alone_keeps_indentation", "a\n  ## note\nb")
case("ws_comment_after_set", "a\n#set($x = 1) ## note\nb")
case("ws_block_comment_keeps_newline", "a\n#* note *#\nb",
     velocity17="a\n\nb", note="airspeed eats the newline after a #* *# comment; Velocity 1.7 keeps it")
case("ws_trailing_blanks_after_directive", "#set($x = 1)   \n$x")
case("ws_blanks_then_text_after_directive", "#if(true)  x#end")
case("ws_macro_definition_and_call", "#macro(m)\nx\n#end\n#m()\ny", velocity17="x\ny", note=GOBBLE_MACRO_CALL)
case("ws_unknown_macro_keeps_its_newline", "#nothing()\nz",
     velocity17="#nothing()\nz", note="airspeed raises 'no such macro'; Velocity 1.7 renders the call as written, newline included")
case("ws_crlf_line_endings", "a\r\n#set($x = 1)\r\nb$x")
case("ws_template_ending_in_directive", "x\n#if(true)y#end")
case("ws_stop_keeps_preceding_text", "a\n#stop\nb")
case("ws_break_keeps_following_newline", "#foreach($i in [1..2])\n$i\n#break\n#end",
     velocity17="1\n", note="airspeed has no #break; Velocity 1.7 keeps the newline before #break and breaks the loop")
case("ws_set_at_template_start_with_indent", "   #set($x = 1)\n$x",
     velocity17="1", note=SET_EATS_BLANKS)
case("ws_indented_set_inside_foreach",
     lines("#foreach($i in [1..2])", "    #set($d = $i * 2)", "    $d", "#end"),
     velocity17="    2\n    4\n", note=GOBBLE_FOREACH)
case("ws_set_after_reference_eats_blanks", "$a   #set($b = 1)$b", {"a": "x"},
     velocity17="x1", note=SET_EATS_BLANKS)

# --- API Gateway-style mapping templates -------------------------------------------------------------

ITEMS = {"body": {"items": [{"id": 1, "name": "first"}, {"id": 2, "name": "second"}], "count": 2}}
case("apigw_json_array_unindented_directives",
     lines("#set($root = $body)",
           "{",
           '  "count": $root.count,',
           '  "items": [',
           "#foreach($item in $root.items)",
           '    {"id": $item.id, "name": "$item.name"}#if($foreach.hasNext),#end',
           "",
           "#end",
           "  ]",
           "}"),
     ITEMS,
     velocity17='{\n  "count": 2,\n  "items": [\n    {"id": 1, "name": "first"},\n    {"id": 2, "name": "second"}\n  ]\n}',
     note=GOBBLE_FOREACH)
case("apigw_json_array_indented_directives",
     lines("{",
           '  "names": [',
           "    #foreach($item in $body.items)",
           '    "$item.name"#if($foreach.hasNext),#end',
           "    #end",
           "  ]",
           "}"),
     ITEMS,
     velocity17='{\n  "names": [\n        "first",        "second"      ]\n}',
     note=GOBBLE_FOREACH)
case("apigw_json_object_from_map",
     lines("{",
           "#foreach($key in $params.keySet())",
           '  "$key": "$params.get($key)"#if($foreach.hasNext),#end',
           "",
           "#end",
           "}"),
     {"params": {"a": "1", "b": "2"}},
     velocity17='{\n  "a": "1",\n  "b": "2"\n}', note=GOBBLE_FOREACH)
case("apigw_conditional_body",
     lines("#set($status = $params.status)",
           '#if($status == "404")',
           '{"message": "not found"}',
           "#else",
           '{"status": "$status"}',
           "#end"),
     {"params": {"status": "200"}},
     velocity17='{"status": "200"}\n', note=GOBBLE_ELSE)
case("apigw_optional_fields",
     lines("{",
           '  "id": "$body.id"#if($body.tag),',
           '  "tag": "$body.tag"#end',
           "",
           "}"),
     {"body": {"id": "x1", "tag": "blue"}})
case("apigw_quiet_reference_defaults", '{"name": "$!body.name", "age": $!body.age}', {"body": {"name": "Ada"}})
case("apigw_nested_loops",
     lines("[",
           "#foreach($g in $groups)",
           '{"group": "$g.name", "members": [#foreach($m in $g.members)"$m"#if($foreach.hasNext), #end#end]}#if($foreach.hasNext),#end',
           "",
           "#end",
           "]"),
     {"groups": [{"name": "a", "members": ["x", "y"]}, {"name": "b", "members": []}]},
     velocity17='[\n{"group": "a", "members": ["x", "y"]},\n{"group": "b", "members": []}\n]', note=GOBBLE_FOREACH)
case("apigw_set_inside_loop_builds_sum",
     lines("#set($total = 0)",
           "#foreach($line in $order.lines)",
           "  #set($total = $total + $line.qty * $line.price)",
           "#end",
           '{"total": $total}'),
     {"order": {"lines": [{"qty": 2, "price": 5}, {"qty": 1, "price": 7}]}},
     velocity17='{"total": 17}', note=GOBBLE_FOREACH)
case("apigw_string_building_with_set",
     lines('#set($csv = "")',
           "#foreach($t in $tags)",
           '#set($csv = "$csv$t#if($foreach.hasNext),#end")',
           "#end",
           "$csv"),
     {"tags": ["a", "b", "c"]},
     velocity17="a,b,c", note=GOBBLE_FOREACH)
case("apigw_status_override_style",
     lines("#set($code = $body.errorCode)",
           "#if($code)",
           '  {"error": "$code"}',
           "#end"),
     {"body": {"errorCode": "E42"}})

# --- More Velocity 1.7 corners ------------------------------------------------------------------------

case("string_doubled_quotes", '#set($s = "say ""hi""")$s', velocity17='say "hi"',
     note="Velocity 1.7 reads a doubled quote inside a string literal as one quote; airspeed ends the string there and fails")
case("string_doubled_single_quotes", "#set($s = 'it''s')$s", velocity17="it's",
     note="Velocity 1.7 reads a doubled quote inside a string literal as one quote; airspeed ends the string there and fails")
case("string_backslash_n_is_not_a_newline", '#set($s = "a\\nb")$s', velocity17="a\\nb",
     note="Velocity 1.7 keeps backslashes in string literals as written; airspeed unescapes \\n")
case("string_backslash_in_a_path", '#set($s = "C:\\path")$s', velocity17="C:\\path",
     note="Velocity 1.7 keeps backslashes in string literals as written; airspeed rejects the unknown escape")
case("string_replace_all_whitespace_class", "$s.replaceAll('\\s+', '-')", {"s": "a  b\tc"}, velocity17="a-b-c",
     note="airspeed's string literal rejects a backslash before 's'; Velocity 1.7 passes \\s to the regex")
case("string_index_of_from", "$s.indexOf('b', 2)", {"s": "abcb"}, velocity17="3", note=NO_METHOD)
case("list_get_then_string_method", "#set($l = ['a'])$l.get(0).toUpperCase()", velocity17="A",
     note=NO_METHOD)
case("number_int_value", "$n.intValue() $d.intValue()", {"n": 3, "d": 2.7}, velocity17="3 2",
     note=NO_METHOD)
case("map_key_set_renders_as_a_list", "$m.keySet() $m.values()", {"m": {"b": 1, "a": 2}}, velocity17="[b, a] [1, 2]",
     note="airspeed renders Python's dict_keys(...) and dict_values(...)")
case("map_literal_integer_key", "#set($k = {1: 'a'})$k $k.get(1)", velocity17="{1=a} a", note=PY_STR)
case("double_scientific_notation", "$d $e $f $g", {"d": 1e20, "e": 1e-5, "f": 12345678.9, "g": 0.001},
     velocity17="1.0E20 1.0E-5 1.23456789E7 0.001",
     note="Java prints doubles below 10^-3 or from 10^7 up in scientific notation (1.0E20); Python prints 1e+20")
case("comparison_strings_do_not_order", "#if('b' >= 'a')y#{else}n#end", velocity17="n",
     note="Velocity 1.7 orders only numbers; comparing strings logs an error and is false. Python orders strings")
case("comparison_boolean_equals_string", "#if(true == 'true')y#{else}n#end", velocity17="y",
     note="Velocity 1.7 compares values of different classes by toString(); Python's True == 'true' is false")
case("comparison_lists_by_value", "#if($l == [1, 2])y#{else}n#end", {"l": [1, 2]})
case("comparison_null_equals_null", "#if($missing == $alsoMissing)eq#{else}ne#end")
case("comparison_null_equals_empty_string", '#if($missing == "")eq#{else}ne#end')
case("if_brace_forms", "#{if}(true)a#{end}", velocity17="a", note="airspeed does not know #{if}")
case("foreach_space_before_parenthesis", "#foreach ($i in [1..2])$i#end #if ($x)y#end", {"x": True})
case("foreach_velocity_count_commas", "#foreach($i in [1..3])#if($velocityCount > 1),#end$i#end")
case("foreach_over_string_renders_nothing", "#foreach($c in $s)[$c]#end", {"s": "abc"}, velocity17="",
     note="Velocity 1.7 cannot iterate a String and renders nothing; airspeed iterates its characters")
case("foreach_over_number_renders_nothing", "#foreach($i in 5)[$i]#end", velocity17="",
     note="Velocity 1.7 cannot iterate a number and renders nothing; airspeed raises")
case("macro_with_missing_argument", "#macro(two $a $b)[$a|$b]#end#two('x')", velocity17="[x|$b]",
     note="airspeed raises when a macro gets fewer arguments; Velocity 1.7 leaves the parameter unset")
case("macro_with_extra_argument", "#macro(one $a)[$a]#end#one('x' 'y')", velocity17="[x]",
     note="airspeed raises when a macro gets more arguments; Velocity 1.7 ignores the extra one")
case("macro_undefined_argument_renders_as_written", "#macro(m $a)[$a][$!a]#end#m($undefined) #m($!undefined)",
     velocity17="[$undefined][] [$!undefined][]",
     note="Velocity 1.7 passes macro arguments by name, so an unset one renders as the caller wrote it; airspeed renders '$a'")
case("macro_argument_is_passed_by_name", "#macro(m $a)$a$a#end#set($l = [])#m($l.add(1))$l.size()",
     velocity17="truetrue2",
     note="Velocity 1.7 evaluates a macro argument at each use (here adding twice); airspeed evaluates it once, to None")
case("macro_call_with_space_before_parenthesis", "#macro(m $x)<$x>#end#m (1)\nz", velocity17="<1>z",
     note=GOBBLE_MACRO_CALL)
case("macro_unknown_call_with_words_renders_as_written", "color #fff (see note) x", velocity17="color #fff (see note) x",
     note="airspeed wants values as macro arguments; Velocity 1.7 renders a call to an unknown macro as written, bare words and all")
case("define_multiline_body", "#define($d)\nline\n#end\n$d$d")
case("set_nested_map_property", "#set($m = {'a': {'b': 1}})#set($m.a.b = 2)$m.a.b")
case("set_interpolated_undefined_reference", '#set($a = "$missing")$a')
case("set_interpolation_may_end_in_dollar", '#set($a = "cost $")$a')
case("break_outside_a_loop_ends_the_template", "a#break b", velocity17="a",
     note="airspeed has no #break and renders it as text")
case("ws_crlf_after_if_and_end", "#if(true)\r\nyes\r\n#end\r\nnext")
case("ws_else_with_trailing_blanks", "#if(false)a#else   \nb#end", velocity17="b", note=GOBBLE_ELSE)
case("ws_brace_else_eats_newline", "#if(false)a#{else}\nb#end", velocity17="b", note=GOBBLE_ELSE)
case("ws_set_lines_then_blank_line", "#set($x = 1)\n#set($y = 2)\n\n$x$y")
case("ws_indented_set_inside_if", "#if(true)\n  #set($x = 1)\n  x$x\n#end\n", velocity17="  x1\n", note=SET_EATS_BLANKS)
case("ws_set_after_comment_eats_indent", "## c\n  #set($a = 1)\n$a", velocity17="1", note=SET_EATS_BLANKS)
case("ws_set_after_block_comment_eats_blanks", "#* c *#  #set($a = 1)$a", velocity17="1", note=SET_EATS_BLANKS)
case("ws_set_after_escape_eats_blanks", "\\$a  #set($b = 2)$b", {"a": 1}, velocity17="$a2", note=SET_EATS_BLANKS)
case("ws_set_after_unparsed_block_eats_blanks", "#[[x]]#  #set($b = 2)$b", velocity17="x2",
     note=SET_EATS_BLANKS + "; airspeed does not know #[[ ]]#")
case("ws_indented_set_in_macro_body", "#macro(m)\n  #set($z = 1)\n$z\n#end\n#m()", velocity17="1\n", note=SET_EATS_BLANKS)
case("ws_blank_then_newline_after_if", "#if(true) \n x#end")
case("ws_end_with_trailing_blanks", "#foreach($i in [1..2])$i#end   \nz")
case("ws_if_with_newline_before_parenthesis", "#if\n($x)y#end", {"x": True})
case("ws_set_with_space_before_parenthesis", "#set ($x = 1)$x")

# --- Templates both engines reject ----------------------------------------------------------------------

case("error_unclosed_if", "#if($a)never closed")
case("error_stray_end", "text #end")
case("error_unclosed_formal_reference", "${name")
case("error_set_without_parenthesis_closed", "#set($a = [1, 2)")
case("error_invalid_regex", "$s.replaceAll('[', 'x')", {"s": "a"})
case("error_unary_minus_on_a_reference", "#set($r = -$n + 1)$r", {"n": 5})
case("error_unary_minus_on_parentheses", "#set($r = -(2 + 3))$r")
case("error_template_ending_in_dollar", "trailing $", velocity17_error="ParseErrorException", note=ENDS_WITH_SYMBOL)
case("error_template_ending_in_hash", "a #", velocity17_error="ParseErrorException", note=ENDS_WITH_SYMBOL)
case("error_template_ending_in_quiet_dollar", "x $!", velocity17_error="ParseErrorException", note=ENDS_WITH_SYMBOL)
case("error_backslash_does_not_escape_a_quote", '#set($s = "a\\"b")$s', velocity17_error="ParseErrorException",
     note="In Velocity 1.7 a backslash does not escape a quote, so the string ends early and #set fails to parse; airspeed unescapes it")
case("error_substring_out_of_range", "$s.substring(5)", {"s": "abc"},
     velocity17_error="StringIndexOutOfBoundsException", note="Velocity 1.7 throws a MethodInvocationException; airspeed has no substring and renders the reference literally")


# --- Machinery ---------------------------------------------------------------------------------------

def render_airspeed(template, context):
    try:
        return airspeed.Template(template).merge(dict(context)), None
    except Exception as error:  # airspeed raises many kinds; all count as "raised"
        return None, f"{type(error).__name__}: {error}".splitlines()[0]


def build_corpus():
    corpus = []
    names = set()
    for entry in CASES:
        if entry["name"] in names:
            sys.exit(f"duplicate case name {entry['name']}")
        names.add(entry["name"])
        output, error = render_airspeed(entry["template"], entry["context"])
        record = {"name": entry["name"], "template": entry["template"], "context": entry["context"],
                  "airspeed": output, "airspeedError": error}
        if entry["velocity17"] is not None:
            if entry["velocity17"] == output:
                sys.exit(f"{entry['name']}: velocity17 equals airspeed's output; drop it")
            record["velocity17"] = entry["velocity17"]
        if entry["velocity17Error"] is not None:
            record["velocity17Error"] = entry["velocity17Error"]
        if entry["note"] is not None:
            record["note"] = entry["note"]
        elif "velocity17" in record or "velocity17Error" in record:
            sys.exit(f"{entry['name']}: a case that differs from airspeed needs a note")
        corpus.append(record)
    return corpus


def dump(corpus):
    return json.dumps(corpus, indent=1, ensure_ascii=False) + "\n"


ORACLE_JAVA = r"""
import java.io.*;
import java.util.*;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;

/** Reads [{name, template, context}] as JSON on stdin; prints one JSON line per case. */
public class Oracle {
    static String text; static int at;

    public static void main(String[] args) throws Exception {
        text = new String(System.in.readAllBytes(), "UTF-8"); at = 0;
        for (Object item : (List<?>) value()) {
            Map<?, ?> c = (Map<?, ?>) item;
            VelocityEngine engine = new VelocityEngine();
            engine.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
            engine.init();
            VelocityContext context = new VelocityContext();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) c.get("context")).entrySet()) {
                if (e.getValue() != null) context.put((String) e.getKey(), e.getValue());
            }
            StringWriter out = new StringWriter();
            String output = null, error = null;
            try {
                engine.evaluate(context, out, (String) c.get("name"), (String) c.get("template"));
                output = out.toString();
            } catch (Exception ex) {
                Throwable cause = ex;
                while (cause.getCause() != null) cause = cause.getCause();
                error = cause.getClass().getSimpleName();
            }
            System.out.println("{\"name\": " + quote((String) c.get("name")) + ", \"output\": " + quote(output)
                + ", \"error\": " + quote(error) + "}");
        }
    }

    static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }

    static void skip() { while (Character.isWhitespace(text.charAt(at))) at++; }

    static Object value() {
        skip();
        char ch = text.charAt(at);
        if (ch == '{') {
            Map<String, Object> map = new LinkedHashMap<>(); at++; skip();
            if (text.charAt(at) == '}') { at++; return map; }
            while (true) {
                String key = (String) value(); skip(); at++;  // ':'
                map.put(key, value()); skip();
                if (text.charAt(at++) == '}') return map;
            }
        }
        if (ch == '[') {
            List<Object> list = new ArrayList<>(); at++; skip();
            if (text.charAt(at) == ']') { at++; return list; }
            while (true) {
                list.add(value()); skip();
                if (text.charAt(at++) == ']') return list;
            }
        }
        if (ch == '"') {
            StringBuilder b = new StringBuilder(); at++;
            while ((ch = text.charAt(at++)) != '"') {
                if (ch != '\\') { b.append(ch); continue; }
                ch = text.charAt(at++);
                switch (ch) {
                    case 'n': b.append('\n'); break;
                    case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; break;
                    default: b.append(ch);
                }
            }
            return b.toString();
        }
        if (text.startsWith("true", at)) { at += 4; return Boolean.TRUE; }
        if (text.startsWith("false", at)) { at += 5; return Boolean.FALSE; }
        if (text.startsWith("null", at)) { at += 4; return null; }
        int start = at;
        while (at < text.length() && "+-.eE0123456789".indexOf(text.charAt(at)) >= 0) at++;
        String number = text.substring(start, at);
        if (number.contains(".") || number.contains("e") || number.contains("E")) return Double.valueOf(number);
        long n = Long.parseLong(number);
        return n == (int) n ? (Object) Integer.valueOf((int) n) : (Object) Long.valueOf(n);
    }
}
"""


def render_velocity17(corpus):
    """Renders every case with Apache Velocity 1.7 through a small Java program."""
    if shutil.which("java") is None or not all(os.path.exists(jar) for jar in VELOCITY_CLASSPATH):
        sys.exit("--oracle needs java and the Velocity 1.7 jar (apt-get install velocity)")
    with tempfile.TemporaryDirectory() as directory:
        source = os.path.join(directory, "Oracle.java")
        with open(source, "w") as handle:
            handle.write(ORACLE_JAVA)
        cases = [{"name": c["name"], "template": c["template"], "context": c["context"]} for c in corpus]
        result = subprocess.run(["java", "-cp", ":".join(VELOCITY_CLASSPATH), source],
                                input=json.dumps(cases).encode(), capture_output=True, check=True)
    return {r["name"]: r for r in map(json.loads, result.stdout.decode().splitlines())}


def oracle(corpus):
    actual = render_velocity17(corpus)
    wrong = 0
    for entry in corpus:
        velocity = actual[entry["name"]]
        if "velocity17Error" in entry or (entry["airspeed"] is None and "velocity17" not in entry):
            ok = velocity["error"] is not None
        else:
            ok = velocity["output"] == entry.get("velocity17", entry["airspeed"])
        if not ok:
            wrong += 1
            print(f"{entry['name']}: expected {entry.get('velocity17', entry['airspeed'])!r}, "
                  f"Velocity 1.7 gave {velocity['output']!r} (error {velocity['error']})")
    agree = sum(1 for e in corpus if "velocity17" not in e and "velocity17Error" not in e)
    print(f"{len(corpus)} cases, {agree} where airspeed agrees with Velocity 1.7, {wrong} wrong expectations")
    return wrong == 0


def table(corpus):
    """The documented differences as a Markdown table, one row per reason (for docs/velocity.md)."""
    reasons = {}
    for entry in corpus:
        if "note" in entry:
            reasons.setdefault(entry["note"], []).append(entry["name"])
    rows = ["| Where Velocity 1.7 and airspeed differ | Corpus cases |", "| --- | --- |"]
    for note, names in reasons.items():
        rows.append("| " + note.replace("|", "\\|") + " | " + ", ".join(f"`{name}`" for name in names) + " |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed corpus is stale")
    parser.add_argument("--oracle", action="store_true", help="check expectations against Apache Velocity 1.7")
    parser.add_argument("--table", action="store_true", help="print the differences as a Markdown table")
    args = parser.parse_args()
    corpus = build_corpus()
    if args.oracle:
        sys.exit(0 if oracle(corpus) else 1)
    if args.table:
        print(table(corpus))
        return
    text = dump(corpus)
    if args.check:
        try:
            with open(OUT, encoding="utf-8") as handle:
                committed = handle.read()
        except FileNotFoundError:
            committed = None
        if committed != text:
            sys.exit(f"{os.path.relpath(OUT)} is stale; run scripts/velocity_corpus.py")
        print(f"{os.path.relpath(OUT)} is up to date ({len(corpus)} cases)")
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {len(corpus)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
