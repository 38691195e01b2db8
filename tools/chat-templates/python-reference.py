#!/usr/bin/env python3
"""Checks the chat-template goldens against Python's jinja2, set up as transformers sets it up.

transformers' apply_chat_template renders with jinja2's ImmutableSandboxedEnvironment(trim_blocks=True,
lstrip_blocks=True) with the loopcontrols extension and a {% generation %} tag, a tojson filter that is
json.dumps(ensure_ascii=False, ...), and the globals raise_exception and strftime_now. This script sets
up the same (written here, not imported: transformers is not needed), renders every case of
goldens.jsonl with the context make-goldens.mjs used, and compares.

Usage (Debian: apt-get install python3-jinja2), from this folder:
  python3 python-reference.py                    report the cases where goldens.jsonl is not jinja2's result
  python3 python-reference.py --suite            write jinja2's result into hf-jinja-e2e.json
  python3 python-reference.py --write-overrides  also add those cases to python-overrides.json with
                                                 why = "TODO ..." (make-goldens.mjs refuses TODO reasons:
                                                 write each reason, then rerun make-goldens.mjs)
"""
import datetime
import json
import os
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, '..', '..', 'eft-core', 'src', 'test', 'resources', 'chat-templates')
FIXED_NOW = datetime.datetime(2025, 7, 10, 12, 0, 0)


class Generation(Extension):
    """{% generation %}...{% endgeneration %} renders its body (transformers uses it to mark assistant text)."""
    tags = {'generation'}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(['name:endgeneration'], drop_needle=True)
        return nodes.CallBlock(self.call_method('_body'), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters['tojson'] = tojson
    env.globals['raise_exception'] = raise_exception
    env.globals['strftime_now'] = lambda fmt: FIXED_NOW.strftime(fmt)
    return env


def render(env, template, conversation, agp):
    ctx = {'messages': conversation['messages'], 'tools': None, 'documents': None, 'add_generation_prompt': agp}
    for k in ('bos_token', 'eos_token'):
        if template.get(k) is not None:
            ctx[k] = template[k]
    ctx.update(json.loads(json.dumps(template.get('extra', {}))))
    ctx.update(json.loads(json.dumps(conversation.get('extra', {}))))
    try:
        return {'output': env.from_string(template['chat_template']).render(**ctx)}
    except Exception as e:  # the golden records the message
        return {'error': str(e)}


def suite():
    """Adds jinja2's result to every case of hf-jinja-e2e.json (see import-e2e-suite.mjs)."""
    env = environment()
    path = os.path.join(RES, 'hf-jinja-e2e.json')
    with open(path, encoding='utf-8') as fh:
        doc = json.load(fh)
    same = 0
    for c in doc['cases']:
        try:
            c['python'] = {'output': env.from_string(c['chat_template']).render(**json.loads(json.dumps(c['data'])))}
        except Exception as e:
            c['python'] = {'error': str(e)}
        same += c['python'].get('output') == c['target']
    with open(path, 'w', encoding='utf-8') as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
        fh.write('\n')
    print(f'{len(doc["cases"])} suite cases rendered with jinja2 {jinja2.__version__}; '
          f'{same} equal the JS targets')
    return 0


def main():
    if '--suite' in sys.argv[1:]:
        return suite()
    write = '--write-overrides' in sys.argv[1:]
    env = environment()
    templates = {}
    for f in sorted(os.listdir(os.path.join(RES, 'templates'))):
        if f.endswith('.json'):
            with open(os.path.join(RES, 'templates', f), encoding='utf-8') as fh:
                t = json.load(fh)
            templates[t['id']] = t
    with open(os.path.join(RES, 'conversations.json'), encoding='utf-8') as fh:
        conversations = {c['id']: c for c in json.load(fh)}
    opath = os.path.join(RES, 'python-overrides.json')
    overrides = []
    if os.path.exists(opath):
        with open(opath, encoding='utf-8') as fh:
            overrides = json.load(fh)
    known = {(o['template'], o['conversation'], o['add_generation_prompt']) for o in overrides}
    bad = 0
    total = 0
    with open(os.path.join(RES, 'goldens.jsonl'), encoding='utf-8') as fh:
        for line in fh:
            g = json.loads(line)
            total += 1
            py = render(env, templates[g['template']], conversations[g['conversation']], g['add_generation_prompt'])
            mine = {k: g[k] for k in ('output', 'error') if k in g}
            if py == mine:
                continue
            bad += 1
            k = (g['template'], g['conversation'], g['add_generation_prompt'])
            print(f'--- {k} ({g["ref"]})\n  golden: {json.dumps(mine, ensure_ascii=False)[:600]}\n'
                  f'  jinja2: {json.dumps(py, ensure_ascii=False)[:600]}')
            if write and k not in known:
                overrides.append({'template': k[0], 'conversation': k[1], 'add_generation_prompt': k[2], **py,
                                  'why': 'TODO: say why the JS renderer differs'})
    if write:
        with open(opath, 'w', encoding='utf-8') as fh:
            json.dump(overrides, fh, indent=1, ensure_ascii=False)
            fh.write('\n')
    print(f'jinja2 {jinja2.__version__}: {total - bad} of {total} goldens match, {bad} differ')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
