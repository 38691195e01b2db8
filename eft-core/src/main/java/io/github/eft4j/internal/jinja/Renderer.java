package io.github.eft4j.internal.jinja;

import io.github.eft4j.internal.jinja.Node.AttrTarget;
import io.github.eft4j.internal.jinja.Node.Binary;
import io.github.eft4j.internal.jinja.Node.Block;
import io.github.eft4j.internal.jinja.Node.Call;
import io.github.eft4j.internal.jinja.Node.CallBlock;
import io.github.eft4j.internal.jinja.Node.Compare;
import io.github.eft4j.internal.jinja.Node.CondExpr;
import io.github.eft4j.internal.jinja.Node.Const;
import io.github.eft4j.internal.jinja.Node.DictLit;
import io.github.eft4j.internal.jinja.Node.Emit;
import io.github.eft4j.internal.jinja.Node.Expr;
import io.github.eft4j.internal.jinja.Node.Filter;
import io.github.eft4j.internal.jinja.Node.FilterBlock;
import io.github.eft4j.internal.jinja.Node.For;
import io.github.eft4j.internal.jinja.Node.GetAttr;
import io.github.eft4j.internal.jinja.Node.GetItem;
import io.github.eft4j.internal.jinja.Node.If;
import io.github.eft4j.internal.jinja.Node.ListLit;
import io.github.eft4j.internal.jinja.Node.Logic;
import io.github.eft4j.internal.jinja.Node.LoopControl;
import io.github.eft4j.internal.jinja.Node.MacroDef;
import io.github.eft4j.internal.jinja.Node.Name;
import io.github.eft4j.internal.jinja.Node.NameTarget;
import io.github.eft4j.internal.jinja.Node.SetBlock;
import io.github.eft4j.internal.jinja.Node.Slice;
import io.github.eft4j.internal.jinja.Node.Stmt;
import io.github.eft4j.internal.jinja.Node.Target;
import io.github.eft4j.internal.jinja.Node.Test;
import io.github.eft4j.internal.jinja.Node.Text;
import io.github.eft4j.internal.jinja.Node.TupleLit;
import io.github.eft4j.internal.jinja.Node.TupleTarget;
import io.github.eft4j.internal.jinja.Node.Unary;
import io.github.eft4j.internal.jinja.Node.With;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One render of a parsed template: the scopes, the output buffer and the limits. Created per call, so
 * a {@link Template} can render on many threads at once.
 *
 * <p>Scopes follow jinja2: a {@code for} body gets a fresh scope per iteration (a {@code set} there
 * is gone after the iteration, which is why templates use {@code namespace()}), {@code if} blocks
 * share the enclosing scope, a macro sees the scope it was defined in as it is at call time.
 */
final class Renderer {
    private static final int NORMAL = 0;
    private static final int BREAK = 1;
    private static final int CONTINUE = 2;

    /** A scope: variables, and the scope around it. */
    static final class Frame {
        final Frame parent;
        final Map<String, Object> vars = new HashMap<>();

        Frame(Frame parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Frame f = this; f != null; f = f.parent) {
                Object v = f.vars.get(name);
                if (v != null || f.vars.containsKey(name)) {
                    return v;
                }
            }
            Object g = Builtins.GLOBALS.get(name);
            return g != null ? g : Undefined.variable(name);
        }
    }

    private final Limits limits = new Limits();
    private final Clock clock;
    private StringBuilder out = new StringBuilder();

    Renderer(Clock clock) {
        this.clock = clock;
    }

    Clock clock() {
        return clock;
    }

    Limits limits() {
        return limits;
    }

    String render(List<Stmt> body, Map<String, Object> context) {
        Frame root = new Frame(null);
        root.vars.putAll(context);
        exec(body, root);
        return out.toString();
    }

    // ------------------------------------------------------------------ statements

    private void write(String s) {
        limits.checkLength((long) out.length() + s.length());
        out.append(s);
    }

    private int exec(List<Stmt> body, Frame f) {
        for (Stmt s : body) {
            int signal;
            try {
                signal = execOne(s, f);
            } catch (JinjaException e) {
                throw e.at(s.line(), s.col());
            }
            if (signal != NORMAL) {
                return signal;
            }
        }
        return NORMAL;
    }

    private int execOne(Stmt s, Frame f) {
        limits.step();
        switch (s) {
            case Text t -> write(t.text());
            case Emit e -> write(Py.str(eval(e.expr(), f)));
            case If node -> {
                for (int i = 0; i < node.tests().size(); i++) {
                    if (Py.truthy(eval(node.tests().get(i), f))) {
                        return exec(node.bodies().get(i), f);
                    }
                }
                return exec(node.otherwise(), f);
            }
            case For node -> {
                return forLoop(node, f);
            }
            case Node.Set node -> assign(node.target(), eval(node.value(), f), f);
            case SetBlock node -> {
                Object v = capture(node.body(), new Frame(f));
                for (Filter flt : node.filters()) {
                    v = applyFilter(flt, v, f);
                }
                assign(node.target(), v, f);
            }
            case MacroDef node -> f.vars.put(node.name(), new Macro(node.name(), node.params(), node.defaults(),
                    node.body(), f, node.usesVarargs(), node.usesKwargs(), null));
            case CallBlock node -> {
                Macro caller = new Macro("caller", node.params(), node.defaults(), node.body(), f,
                        node.usesVarargs(), node.usesKwargs(), null);
                Call c = node.call();
                Object fn = eval(c.fn(), f);
                List<Object> args = callArgs(c, f);
                Map<String, Object> kwargs = callKwargs(c, f);
                Object result;
                if (fn instanceof Macro m) {
                    result = m.withCaller(caller).call(this, args, kwargs);
                } else {
                    kwargs.put("caller", caller);
                    result = callValue(fn, args, kwargs);
                }
                write(Py.str(result));
            }
            case FilterBlock node -> {
                Object v = capture(node.body(), new Frame(f));
                for (Filter flt : node.filters()) {
                    v = applyFilter(flt, v, f);
                }
                write(Py.str(v));
            }
            case With node -> {
                Frame inner = new Frame(f);
                for (int i = 0; i < node.targets().size(); i++) {
                    assign(node.targets().get(i), eval(node.values().get(i), f), inner);
                }
                return exec(node.body(), inner);
            }
            case Block node -> {
                return exec(node.body(), f);
            }
            case LoopControl node -> {
                return node.isBreak() ? BREAK : CONTINUE;
            }
        }
        return NORMAL;
    }

    private int forLoop(For node, Frame f) {
        List<Object> items = Py.iterate(eval(node.iter(), f));
        if (node.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Frame tf = new Frame(f);
                assign(node.target(), item, tf);
                if (Py.truthy(eval(node.filter(), tf))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        Loop loop = new Loop(items, 0);
        for (int i = 0; i < items.size(); i++) {
            limits.step();
            Frame it = new Frame(f);
            loop.index0 = i;
            it.vars.put("loop", loop);
            assign(node.target(), items.get(i), it);
            if (exec(node.body(), it) == BREAK) {
                break;
            }
        }
        if (items.isEmpty() && !node.otherwise().isEmpty()) {
            return exec(node.otherwise(), new Frame(f));
        }
        return NORMAL;
    }

    private void assign(Target target, Object value, Frame f) {
        switch (target) {
            case NameTarget n -> f.vars.put(n.name(), value);
            case AttrTarget a -> {
                Object ns = f.lookup(a.object());
                if (!(ns instanceof Namespace n)) {
                    throw JinjaException.runtime("cannot assign attribute on non-namespace object").at(a.line(), a.col());
                }
                n.attrs.put(a.attr(), value);
            }
            case TupleTarget t -> {
                if (value instanceof Undefined u) {
                    throw u.fail();
                }
                List<Object> items = Py.iterate(value);
                int want = t.items().size();
                if (items.size() > want) {
                    throw JinjaException.runtime("too many values to unpack (expected " + want + ")").at(t.line(), t.col());
                }
                if (items.size() < want) {
                    throw JinjaException.runtime("not enough values to unpack (expected " + want + ", got " + items.size() + ")")
                            .at(t.line(), t.col());
                }
                for (int i = 0; i < want; i++) {
                    assign(t.items().get(i), items.get(i), f);
                }
            }
        }
    }

    /** Renders statements into a string of their own (block set, filter block, macro body). */
    private String capture(List<Stmt> body, Frame f) {
        StringBuilder saved = out;
        out = new StringBuilder();
        try {
            exec(body, f);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    Object callMacroBody(Macro m, List<Stmt> body, Frame f) {
        if (++limits.callDepth > Limits.MAX_CALL_DEPTH) {
            limits.callDepth--;
            throw new JinjaException(JinjaException.Kind.LIMIT, "macro calls nested deeper than "
                    + Limits.MAX_CALL_DEPTH + " (is '" + m.name + "' recursive?)", 0, 0);
        }
        try {
            return capture(body, f);
        } finally {
            limits.callDepth--;
        }
    }

    // ------------------------------------------------------------------ expressions

    Object eval(Expr e, Frame f) {
        limits.step();
        try {
            return evalOne(e, f);
        } catch (JinjaException ex) {
            throw ex.at(e.line(), e.col());
        }
    }

    private List<Object> evalAll(List<Expr> es, Frame f) {
        List<Object> out = new ArrayList<>(es.size());
        for (Expr e : es) {
            out.add(eval(e, f));
        }
        return out;
    }

    private Map<String, Object> evalKw(List<String> names, List<Expr> values, Frame f) {
        Map<String, Object> kw = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            kw.put(names.get(i), eval(values.get(i), f));
        }
        return kw;
    }

    private Object evalOne(Expr e, Frame f) {
        return switch (e) {
            case Const c -> c.value();
            case Name n -> f.lookup(n.name());
            case ListLit l -> evalAll(l.items(), f);
            case TupleLit t -> PyTuple.of(evalAll(t.items(), f));
            case DictLit d -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object k = eval(d.keys().get(i), f);
                    if (k instanceof List<?> && !(k instanceof PyTuple) || k instanceof Map || k instanceof Undefined) {
                        throw JinjaException.runtime("unhashable type: '" + Py.typeName(k) + "'");
                    }
                    m.put(k, eval(d.values().get(i), f));
                }
                yield m;
            }
            case GetAttr g -> Access.getattr(eval(g.obj(), f), g.name());
            case GetItem g -> {
                Object obj = eval(g.obj(), f);
                if (g.key() instanceof Slice s) {
                    yield Access.slice(obj, s.start() == null ? null : eval(s.start(), f),
                            s.stop() == null ? null : eval(s.stop(), f), s.step() == null ? null : eval(s.step(), f));
                }
                yield Access.getitem(obj, eval(g.key(), f));
            }
            case Slice s -> throw JinjaException.runtime("a slice is only allowed inside brackets");
            case Call c -> {
                Object fn = eval(c.fn(), f);
                yield callValue(fn, callArgs(c, f), callKwargs(c, f));
            }
            case Filter flt -> applyFilter(flt, eval(flt.value(), f), f);
            case Test t -> {
                boolean r = test(t.name(), eval(t.value(), f), evalAll(t.args(), f), evalKw(t.kwNames(), t.kwValues(), f));
                yield r != t.negated();
            }
            case Unary u -> {
                Object v = eval(u.operand(), f);
                yield switch (u.op()) {
                    case "not" -> !Py.truthy(v);
                    case "-" -> Py.neg(v);
                    default -> Py.pos(v);
                };
            }
            case Binary b -> {
                Object l = eval(b.left(), f);
                Object r = eval(b.right(), f);
                yield switch (b.op()) {
                    case "+" -> Py.add(l, r, limits);
                    case "-" -> Py.sub(l, r);
                    case "*" -> Py.mul(l, r, limits);
                    case "/" -> Py.truediv(l, r);
                    case "//" -> Py.floordiv(l, r);
                    case "%" -> l instanceof String s ? Formatting.printf(s, r) : Py.mod(l, r);
                    case "**" -> Py.pow(l, r);
                    case "~" -> {
                        String a = Py.str(l);
                        String c = Py.str(r);
                        limits.checkLength((long) a.length() + c.length());
                        yield a.concat(c);
                    }
                    default -> throw new IllegalStateException(b.op());
                };
            }
            case Logic l -> {
                Object left = eval(l.left(), f);
                if (l.and() ? !Py.truthy(left) : Py.truthy(left)) {
                    yield left;
                }
                yield eval(l.right(), f);
            }
            case Compare c -> {
                Object left = eval(c.first(), f);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), f);
                    if (!compare(c.ops().get(i), left, right)) {
                        yield false;
                    }
                    left = right;
                }
                yield true;
            }
            case CondExpr c -> {
                if (Py.truthy(eval(c.test(), f))) {
                    yield eval(c.then(), f);
                }
                yield c.otherwise() == null ? Undefined.PLAIN : eval(c.otherwise(), f);
            }
        };
    }

    private List<Object> callArgs(Call c, Frame f) {
        List<Object> args = evalAll(c.args(), f);
        if (c.dynArgs() != null) {
            Object more = eval(c.dynArgs(), f);
            if (more instanceof Undefined u) {
                throw u.fail();
            }
            args.addAll(Py.iterate(more));
        }
        return args;
    }

    private Map<String, Object> callKwargs(Call c, Frame f) {
        Map<String, Object> kwargs = evalKw(c.kwNames(), c.kwValues(), f);
        if (c.dynKwargs() != null) {
            Object more = eval(c.dynKwargs(), f);
            if (!(more instanceof Map<?, ?> m)) {
                throw JinjaException.runtime("argument after ** must be a mapping, not " + Py.typeName(more));
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw JinjaException.runtime("keywords must be strings");
                }
                if (kwargs.containsKey(k)) {
                    throw JinjaException.runtime("got multiple values for keyword argument '" + k + "'");
                }
                kwargs.put(k, e.getValue());
            }
        }
        return kwargs;
    }

    private static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> Py.eq(a, b);
            case "!=" -> !Py.eq(a, b);
            case "<" -> Py.compare(a, b, op) < 0;
            case "<=" -> Py.compare(a, b, op) <= 0;
            case ">" -> Py.compare(a, b, op) > 0;
            case ">=" -> Py.compare(a, b, op) >= 0;
            case "in" -> Py.contains(b, a);
            case "notin" -> !Py.contains(b, a);
            default -> throw new IllegalStateException(op);
        };
    }

    private Object callValue(Object fn, List<Object> args, Map<String, Object> kwargs) {
        if (fn instanceof Undefined u) {
            throw u.fail();
        }
        if (fn instanceof JinjaCallable c) {
            return c.call(this, args, kwargs);
        }
        throw JinjaException.runtime("'" + Py.typeName(fn) + "' object is not callable");
    }

    private Object applyFilter(Filter flt, Object value, Frame f) {
        return filter(flt.name(), value, evalAll(flt.args(), f), evalKw(flt.kwNames(), flt.kwValues(), f));
    }

    Object filter(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        return Filters.apply(this, name, value, args, kwargs);
    }

    boolean test(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        return Tests.apply(name, value, args, kwargs);
    }
}
