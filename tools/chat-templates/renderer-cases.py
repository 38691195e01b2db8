#!/usr/bin/env python3
"""Writes eft-core/src/test/resources/chat-templates/renderer-cases.json: small templates, one construct
each, with the output (or the error text) of Python's jinja2 set up as transformers sets it up (see
python-reference.py). The Java renderer's unit test (internal/jinja/TemplateTest) expects exactly these.

Usage (Debian: apt-get install python3-jinja2), from this folder:  python3 renderer-cases.py
"""
import importlib.util
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('pyref', os.path.join(HERE, 'python-reference.py'))
pyref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pyref)

CONTEXT = {
    'messages': [{'role': 'system', 'content': ' Be brief. '}, {'role': 'user', 'content': 'Hi'},
                 {'role': 'assistant', 'content': 'Hello!'}],
    'd': {'a': 1, 'b': [1, 2], 'c': {'x': 'y'}},
    'l': [3, 1, 2],
    'words': ['banana', 'Apple', 'cherry', 'apple'],
    'people': [{'name': 'Ann', 'age': 30, 'tags': ['x']}, {'name': 'bob', 'age': 25},
               {'name': 'Cid', 'age': 30, 'tags': []}],
    's': 'abc',
    'e': 'é😀x\u0301',
    'n': None,
    'f': 2.5,
    't': True,
}

CASES = [
    # ---- literals and printing
    ('print-none-bool', '{{ none }} {{ None }} {{ true }} {{ False }} {{ n }} {{ t }}'),
    ('print-numbers', '{{ 3/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}'),
    ('print-pow', '{{ 2**10 }} {{ 2**-1 }} {{ 2.0**3 }} {{ (-2)**3 }} {{ 2**3**2 }}'),
    ('print-floats', '{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 1e-5 }} {{ 0.0001 }} {{ 123.0 }} {{ 1.5e300 * 1 }} {{ -0.0 }} {{ 1_000 }} {{ 1_0.5 }}'),
    ('precedence', '{{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }} {{ 10 - 2 - 3 }} {{ 2 * 3 ~ 4 }} {{ 1 ~ 2 * 3 }} {{ -2 ** 2 }} {{ not 1 == 2 }}'),
    ('concat-tilde', "{{ 'a' ~ 1 ~ none ~ true ~ 1.5 ~ [1] ~ undefined_thing }}"),
    ('repeat', "{{ 'ab' * 3 }}|{{ 3 * 'x' }}|{{ [1] * 3 }}|{{ 'x' * 0 }}|{{ 'x' * -1 }}"),
    ('list-tuple-add', '{{ [1, 2] + [3] }} {{ (1, 2) + (3,) }} {{ true + 1 }} {{ true * 3 }}'),
    ('repr-containers', "{{ [1, 'a', none, true, 1.5, {'k': 'v'}, (1,), ()] }} {{ {'a': 1, 'b': [1, 2]} }} {{ (1, 2) }}"),
    ('repr-strings', """{{ ["it's", 'say "hi"', 'both \\' "', 'back\\\\slash', 'tab\\there', 'nl\\n', 'é', '\\u200d', '😀', '\\x7f', '\\xa0'] }}"""),
    ('string-escapes', r"""{{ "\x41\u00e9\U0001F600\101\N{BULLET}\t|\d|\'|\"" }}"""),
    ('string-adjacent', "{{ 'a' 'b' \"c\" }}"),
    ('cond-expr', "[{{ 'x' if false }}] {{ 1 if true else 2 }} {{ 'a' if none else 'b' if 0 else 'c' }}"),
    ('and-or-operands', "{{ 0 or 'x' }} {{ 'a' and 'b' }} [{{ '' and 'b' }}] {{ none or [] }} {{ not '' }} {{ not [0] }}"),
    ('dict-literal-keys', "{{ {1: 'a', 'k': 'b', none: 'c', (1, 2): 'd'} }}"),
    # ---- comparisons
    ('compare', "{{ 1 == 1.0 }} {{ 1 == true }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'B' < 'a' }} {{ (1, 2) == [1, 2] }}"),
    ('compare-in', "{{ 'a' in 'cat' }} {{ 'x' not in ['y'] }} {{ 'k' in {'k': 1} }} {{ 1 in [1.0] }} {{ 'b' in d }} {{ 'x' in undefined_thing }}"),
    ('compare-none-undefined', '{{ none == none }} {{ undefined_a == undefined_b }} {{ undefined_a == none }} {{ n != none }}'),
    ('compare-dicts', "{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }} {{ d == {'a': 1} }}"),
    # ---- member access
    ('member-access', "{{ d.a }} {{ d['a'] }} {{ d.c.x }} {{ d['c']['x'] }} {{ l[0] }} {{ l[-1] }} {{ l.1 }} {{ messages[1].role }}"),
    ('member-missing', "[{{ d.missing }}] [{{ d['missing'] }}] [{{ l[10] }}] [{{ s.nope }}] [{{ n.x }}] {{ d.missing is defined }}"),
    ('member-methods-first', "{{ d.items is callable }}|{{ {'items': 1}['items'] }}|{{ {'items': 1}.items() }}|{{ {'items': 1}.keys() }}"),
    ('slices', "{{ s[::-1] }} {{ s[1:] }} {{ s[:-1] }} {{ s[-1] }} {{ l[::2] }} {{ l[5:] }} {{ l[-10:2] }} {{ l[::-2] }} {{ e[1] }} {{ e[1:3] }} {{ e[::-1] }}"),
    ('messages-slice', "{% for m in messages[1:] %}{{ m.role }};{% endfor %}{% for m in messages[::-1] %}{{ loop.index }}{{ m.role[0] }}{% endfor %}"),
    # ---- for loops
    ('loop-vars', '{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}'),
    ('loop-prev-next', '{% for x in l %}[{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.cycle("a", "b") }}]{% endfor %}'),
    ('loop-filter', '{% for x in l if x > 1 %}{{ loop.index }}/{{ loop.length }}:{{ x }}{{ loop.last }};{% else %}none{% endfor %}'),
    ('loop-else', '{% for x in [] %}a{% else %}empty{% endfor %}|{% for x in undefined_thing %}a{% else %}undef{% endfor %}'),
    ('loop-dict', '{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d|items %}{{ k }}{% endfor %}|{% for k, v in d|dictsort(reverse=true) %}{{ k }}{% endfor %}'),
    ('loop-string', '{% for c in e %}[{{ c }}]{% endfor %}'),
    ('loop-nested', '{% for a in [1, 2] %}{% for b in "xy" %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}'),
    ('loop-changed-depth', '{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{{ loop.depth }}{{ loop.depth0 }};{% endfor %}'),
    ('loop-items-filter-length', "{% for k, v in d.items() if v is number %}{{ k }}{{ loop.length }}{% endfor %}"),
    ('not-in-precedence', "{{ not 'a' in 'abc' }} {{ 'a' not in 'abc' }} {{ not 'z' in 'abc' and true }}"),
    ('loop-break-continue', '{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x > 4 %}{% break %}{% endif %}{{ x }}{% endfor %}'),
    ('loop-tuple-target', '{% for (a, b) in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}'),
    ('range', '{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }} {{ range(0)|list }}'),
    # ---- scoping
    ('scope-loop-fresh-per-iteration', '{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}'),
    ('scope-loop-set-gone', '{% for i in [1, 2] %}{% if i == 2 %}[{{ y }}]{% endif %}{% set y = i %}{% endfor %}[{{ y }}]'),
    ('scope-if-shares', '{% if true %}{% set z = 5 %}{% endif %}{{ z }}'),
    ('scope-namespace', '{% set ns = namespace(a=1, b="x") %}{% for i in [1, 2] %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}{{ ns.b }}'),
    ('scope-namespace-dict', "{% set ns = namespace({'k': 2}, j=3) %}{{ ns.k }}{{ ns.j }}{{ ns.missing is defined }}"),
    ('set-tuple', '{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 1, 2 %}{{ c }}'),
    ('set-block', '{% set x %}a{{ 1 }}b{% endset %}[{{ x }}]{% set y | upper | trim %} hi {% endset %}[{{ y }}]'),
    ('set-overrides-context', '{% set messages = messages[1:] %}{{ messages|length }}'),
    # ---- macros, call, filter, with
    ('macro-defaults', '{% macro m(a, b="B", c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, 2) }}|{{ m(1, c=3) }}|{{ m() }}'),
    ('macro-varargs-kwargs', '{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}'),
    ('macro-scope', '{% set x = 1 %}{% macro m() %}{{ x }}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}'),
    ('macro-sees-later-global', '{% macro m() %}{{ x }}{% endmacro %}{% set x = 7 %}{{ m() }}'),
    ('macro-recursive', '{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}'),
    ('macro-caller', '{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap("b") %}bold {{ 1 + 1 }}{% endcall %}'),
    ('macro-caller-args', '{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}[{{ x }}]{% endcall %}'),
    ('call-star-args', "{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(*[1, 2]) }} {{ m(**{'a': 3, 'b': 4}) }} {{ m(1, **{'b': 5}) }} {{ 'a-b'.split(*['-']) }} {{ dict(**d) }}"),
    ('filter-block', '{% filter upper %}hello {{ "world" }}{% endfilter %}'),
    ('with-block', '{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]'),
    ('generation-tag', '{% generation %}kept {{ 1 }}{% endgeneration %}'),
    # ---- whitespace control
    ('ws-trim-lstrip', '  {% if true %}\n  x\n  {% endif %}\ny\n'),
    ('ws-minus', "a  {{- ' b ' -}}  c\n  {%- if true -%}  d  {%- endif -%}\n  e"),
    ('ws-plus', '  {%+ if true %}x{% endif +%}\ny'),
    ('ws-comments', 'a\n  {# comment #}\nb {#- c -#} c\n{# end #}'),
    ('ws-variable-not-lstripped', '  {{ "x" }}\n  {% if true %}y{% endif %}'),
    ('ws-raw', '{% raw %}{{ not rendered }} {% if %}{% endraw %}|{%- raw -%}  x  {%- endraw -%}|'),
    ('ws-trailing-newline', 'x\n\n'),
    ('ws-crlf', 'a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc'),
    ('ws-block-after-text-on-line', 'text {% if true %}x{% endif %} more\n    {% for i in [1] %}\n{{ i }}\n    {% endfor %}'),
    ('ws-tab-lstrip', '\t \t{% if true %}x{% endif %}'),
    # ---- filters
    ('filter-string-basics', "{{ '  a b  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ 'aBc'|upper }}|{{ 'ÀB'|lower }}|{{ 'hello wörld it\\'s-a [b]'|title }}|{{ 'hello wörld it\\'s'.title() }}|{{ 'aBC'|capitalize }}"),
    ('filter-replace', "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'abc'|replace('', '-') }}"),
    ('filter-length', "{{ e|length }} {{ l|length }} {{ d|count }} {{ ''|length }} {{ undefined_thing|length }}"),
    ('filter-join', "{{ l|join }} {{ l|join(', ') }} {{ people|join('|', attribute='name') }} {{ [1, none, 'x']|join('-') }}"),
    ('filter-first-last', "{{ l|first }} {{ l|last }} {{ s|first }} {{ s|last }} {{ d|first }} [{{ []|first }}]"),
    ('filter-default', "{{ undefined_thing|default('dflt') }} {{ none|default('x') }} {{ ''|default('e', true) }} {{ 0|d('zero', boolean=true) }} {{ d.missing|d }}|"),
    ('filter-list-string', "{{ s|list }} {{ l|string }} {{ none|string }} {{ d|list }} {{ (1, 2)|list }}"),
    ('filter-int-float', "{{ '42'|int }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(5) }} {{ 3.9|int }} {{ true|int }} {{ '1_000'|int }} {{ ' 7 '|int }} {{ '0x1F'|int(0, 16) }} {{ '2'|float }} {{ 'nan'|float }} {{ 'x'|float }} {{ none|int }}"),
    ('filter-round-abs', "{{ 2.5|round }} {{ 3.5|round }} {{ 3|round }} {{ 2.675|round(2) }} {{ 1.23|round(1, 'ceil') }} {{ 1.27|round(1, 'floor') }} {{ -0.5|round }} {{ -3|abs }} {{ -2.5|abs }}"),
    ('filter-map', "{{ people|map(attribute='name')|list }} {{ people|map(attribute='tags.0', default='-')|list }} {{ words|map('upper')|list }} {{ l|map('string')|join }}"),
    ('filter-select-reject', "{{ l|select('odd')|list }} {{ l|reject('odd')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ words|select('equalto', 'apple')|list }} {{ l|select('>', 1)|list }}"),
    ('filter-selectattr', "{{ people|selectattr('age', 'equalto', 30)|map(attribute='name')|join }} {{ people|rejectattr('tags')|map(attribute='name')|join }} {{ people|selectattr('tags', 'defined')|list|length }} {{ messages|selectattr('role', 'eq', 'user')|list|length }}"),
    ('filter-unique-sort', "{{ words|unique|list }} {{ words|unique(case_sensitive=true)|list }} {{ words|sort }} {{ words|sort(case_sensitive=true) }} {{ l|sort(reverse=true) }} {{ people|sort(attribute='age')|map(attribute='name')|join }}"),
    ('filter-reverse', "{{ s|reverse }} {{ l|reverse|list }} {{ e|reverse }}"),
    ('filter-min-max-sum', "{{ l|min }} {{ l|max }} {{ words|max }} {{ words|min(case_sensitive=true) }} {{ l|sum }} {{ people|sum(attribute='age') }} {{ [1.5, 2]|sum(start=1) }} [{{ []|max }}]"),
    ('filter-items-dictsort', "{{ d|items|list }} {{ {'b': 1, 'A': 2, 'c': 0}|dictsort }} {{ {'b': 1, 'A': 2, 'c': 0}|dictsort(by='value') }} {{ {'b': 1, 'A': 2}|dictsort(true) }}"),
    ('filter-indent', "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}|{{ 'a\\nb'|indent('> ') }}|{{ ''|indent(first=true) }}"),
    ('filter-center-wordcount', "[{{ 'ab'|center(7) }}] [{{ 'abc'|center(6) }}] {{ 'one, two; three_4 é'|wordcount }}"),
    ('filter-escape-safe', "{{ '<a href=\"x\">&\\'</a>'|escape }} {{ '<b>'|e }} {{ '<b>'|safe }} {{ none|escape }}"),
    ('filter-format', "{{ '%s-%d-%5.2f-%r|%%'|format('a', 3, 3.14159, 'q') }} {{ '%-4s|%04d'|format('x', 7) }} {{ 'v=%s' % 3 }} {{ '%s %s' % (1, 2) }}"),
    ('filter-batch', "{{ l|batch(2)|list }} {{ l|batch(2, 'x')|list }}"),
    ('filter-attr', "{{ d|attr('a') }} [{{ d|attr('missing') }}]"),
    ('tojson-basic', "{{ d|tojson }} {{ l|tojson }} {{ 'é\"\\\\\\n\\t\\x01'|tojson }} {{ none|tojson }} {{ true|tojson }} {{ 1.0|tojson }} {{ 1e16|tojson }} {{ (1, 'a')|tojson }}"),
    ('tojson-indent', '{{ d|tojson(indent=2) }}|{{ [1, [], {}]|tojson(indent=4) }}|{{ d|tojson(indent=0) }}|{{ l|tojson(indent="\\t") }}'),
    ('tojson-options', "{{ {'b': 1, 'a': [1, 2]}|tojson(sort_keys=true) }} {{ d|tojson(separators=(',', ':')) }} {{ 'é😀'|tojson(ensure_ascii=true) }} {{ {1: 2, none: 3, 1.5: true}|tojson }}"),
    ('tojson-unicode', '{{ messages|tojson }} {{ e|tojson }}'),
    # ---- tests
    ('tests-types', "{{ n is none }} {{ undefined_thing is none }} {{ s is string }} {{ 1 is number }} {{ true is number }} {{ 1.5 is integer }} {{ true is integer }} {{ 1.5 is float }} {{ t is boolean }} {{ d is mapping }} {{ l is mapping }}"),
    ('tests-iterable', "{{ s is iterable }} {{ l is iterable }} {{ d is iterable }} {{ n is iterable }} {{ 1 is iterable }} {{ undefined_thing is iterable }} {{ s is sequence }} {{ d is sequence }} {{ 1 is sequence }} {{ undefined_thing is sequence }}"),
    ('tests-defined', "{{ s is defined }} {{ x is defined }} {{ x is undefined }} {{ d.a is defined }} {{ d.z is not defined }} {{ n is defined }} {{ range is callable }} {{ s is callable }} {{ s.upper is callable }}"),
    ('tests-values', "{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 'a' is eq 'a' }} {{ 'a' is equalto('b') }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 2 is ge 2 }} {{ 'a' is in 'cat' }} {{ n is sameas none }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'upper' is filter }} {{ 'odd' is test }}"),
    ('tests-not', "{{ n is not none }} {{ not n is none }} {{ 'x' if s is not string else 'y' }}"),
    # ---- methods
    ('str-strip', "[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}][{{ 'xxaxx'.strip('x') }}][{{ '\\n\\na\\n'.lstrip('\\n') }}][{{ '\\u3000a\\xa0'.strip() }}]"),
    ('str-split', "{{ '  a  b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ ''.split() }} {{ ''.split(',') }} {{ '<think>x</think>y'.split('</think>')[-1] }}"),
    ('str-predicates', "{{ 'abc'.startswith('ab') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('bc') }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'Ab'.isupper() }} {{ 'ab'.islower() }}"),
    ('str-case', "{{ 'aBc dEf'.upper() }} {{ 'aBc'.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'ß'.upper() }} {{ 'aB'.swapcase() }}"),
    ('str-replace-find', "{{ 'aaa'.replace('a', 'b', 2) }} {{ 'abcabc'.find('c') }} {{ 'abc'.find('z') }} {{ 'é😀x'.find('x') }} {{ 'abcabc'.rfind('b') }} {{ 'abcabc'.count('bc') }} {{ 'prefix-x'.removeprefix('prefix-') }} {{ 'x.txt'.removesuffix('.txt') }}"),
    ('str-format-join', "{{ '{} and {}'.format('a', 'b') }} {{ '{1}{0}{{x}}'.format('a', 'b') }} {{ '{name}!'.format(name='n') }} {{ '-'.join(['a', 'b']) }} {{ ', '.join(words) }}"),
    ('str-pad-partition', "[{{ 'ab'.ljust(4, '*') }}][{{ 'ab'.rjust(4) }}][{{ 'ab'.center(5, '*') }}][{{ '42'.zfill(5) }}] {{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }}"),
    ('dict-methods', "{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} {{ d.copy() == d }}"),
    ('list-methods', "{{ l.index(1) }} {{ l.count(3) }} {{ l.copy() }}"),
    ('globals', "{{ dict(a=1, b=2) }} {% set j = joiner(', ') %}{% for x in l %}{{ j() }}{{ x }}{% endfor %} {{ strftime_now('%Y-%m-%d %H:%M %a %b %B %-d %j') }}"),
    # ---- errors (the golden is Python's message)
    ('err-raise', "{{ raise_exception('Bad roles: ' ~ 3) }}"),
    ('err-undefined-attr', '{{ foo.bar }}'),
    ('err-undefined-attr-of-missing', '{{ d.missing.x }}'),
    ('err-undefined-element', '{{ l[10].x }}'),
    ('err-none-attr', '{{ n.x.y }}'),
    ('err-none-method', '{{ n.strip() }}'),
    ('err-undefined-call', '{{ foo() }}'),
    ('err-undefined-add', '{{ foo + 1 }}'),
    ('err-undefined-compare', '{{ foo < 1 }}'),
    ('err-tilde-binds-tighter-than-plus', '{{ "a" ~ 1 + 2 }}'),
    ('err-str-plus-int', "{{ 'x' + 1 }}"),
    ('err-int-plus-str', "{{ 1 + 'x' }}"),
    ('err-none-plus-str', "{{ n + 'x' }}"),
    ('err-str-plus-none', "{{ 'x' + n }}"),
    ('err-list-plus-str', "{{ [1] + 'x' }}"),
    ('err-str-minus', "{{ 'x' - 1 }}"),
    ('err-div-zero', '{{ 1 / 0 }}'),
    ('err-floordiv-zero', '{{ 1 // 0 }}'),
    ('err-mod-zero', '{{ 1 % 0 }}'),
    ('err-neg-str', "{{ -'x' }}"),
    ('err-order-types', "{{ 'a' < 1 }}"),
    ('err-in-int', "{{ 'a' in 1 }}"),
    ('err-in-none', "{{ 'a' in n }}"),
    ('err-in-string-int', "{{ 1 in 'abc' }}"),
    ('err-iterate-none', '{% for x in n %}{% endfor %}'),
    ('err-iterate-int', '{% for x in 5 %}{% endfor %}'),
    ('err-not-callable', "{{ 'a'() }}"),
    ('err-unsafe-append', '{{ messages.append(1) }}'),
    ('err-unsafe-dunder', '{{ s.__class__() }}'),
    ('err-unpack-many', '{% for a, b in [(1, 2, 3)] %}{% endfor %}'),
    ('err-unpack-few', '{% for a, b in [(1,)] %}{% endfor %}'),
    ('err-namespace-assign', '{% set x = 1 %}{% set x.y = 2 %}'),
    ('err-range-too-big', '{{ range(200000)|length }}'),
    ('err-length-none', '{{ n|length }}'),
    ('err-join-none', '{{ n|join }}'),
    ('err-items-list', '{{ l|items|list }}'),
    ('err-float-mod-zero', '{{ 1.5 % 0 }}'),
    ('err-float-div-zero', '{{ 1.5 / 0 }}'),
    ('err-tojson-undefined', '{{ foo|tojson }}'),
    ('err-str-join-ints', "{{ ','.join(l) }}"),
    ('err-index-missing', "{{ l.index(99) }}"),
    ('err-macro-too-many-args', '{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}'),
    ('err-macro-unknown-kwarg', '{% macro m(a) %}{% endmacro %}{{ m(b=1) }}'),
    ('err-round-str', "{{ 'x'|round }}"),
    ('err-abs-str', "{{ 'x'|abs }}"),
]


def main():
    env = pyref.environment()
    out = []
    for name, template in CASES:
        rec = {'name': name, 'template': template}
        try:
            rec['output'] = env.from_string(template).render(**json.loads(json.dumps(CONTEXT)))
        except Exception as e:
            rec['error'] = str(e)
        out.append(rec)
    path = os.path.join(pyref.RES, 'renderer-cases.json')
    with open(path, 'w', encoding='utf-8') as fh:
        json.dump({'about': 'Generated by tools/chat-templates/renderer-cases.py with jinja2 ' + pyref.jinja2.__version__
                   + ' (transformers settings); the context every case sees is "context".',
                   'context': CONTEXT, 'cases': out}, fh, indent=1, ensure_ascii=False)
        fh.write('\n')
    print(f'{len(out)} cases -> {path}')
    for r in out:
        print(r['name'], '=>', json.dumps(r.get('output', 'ERR ' + r.get('error', '')), ensure_ascii=False)[:160])


if __name__ == '__main__':
    main()
