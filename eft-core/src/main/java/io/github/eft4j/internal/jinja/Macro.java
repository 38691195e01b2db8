package io.github.eft4j.internal.jinja;

import io.github.eft4j.internal.jinja.Node.Expr;
import io.github.eft4j.internal.jinja.Node.Stmt;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code macro} (or the {@code caller} of a {@code call} block), closed over the scope it was
 * defined in. As in jinja2, a missing argument is undefined, extra positional arguments need the body
 * to use {@code varargs} and unknown keywords need it to use {@code kwargs}.
 */
final class Macro implements JinjaCallable {
    final String name;
    private final List<String> params;
    private final List<Expr> defaults;
    private final List<Stmt> body;
    private final Renderer.Frame frame;
    private final boolean usesVarargs;
    private final boolean usesKwargs;
    private final Macro caller;

    Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Renderer.Frame frame,
          boolean usesVarargs, boolean usesKwargs, Macro caller) {
        this.name = name;
        this.params = params;
        this.defaults = defaults;
        this.body = body;
        this.frame = frame;
        this.usesVarargs = usesVarargs;
        this.usesKwargs = usesKwargs;
        this.caller = caller;
    }

    Macro withCaller(Macro c) {
        return new Macro(name, params, defaults, body, frame, usesVarargs, usesKwargs, c);
    }

    @Override
    public Object call(Renderer r, List<Object> args, Map<String, Object> kwargs) {
        if (args.size() > params.size() && !usesVarargs) {
            throw JinjaException.runtime("macro '" + name + "' takes not more than " + params.size() + " argument(s)");
        }
        Renderer.Frame f = new Renderer.Frame(frame);
        Map<String, Object> extra = new LinkedHashMap<>(kwargs);
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            Object v;
            if (i < args.size()) {
                if (extra.containsKey(p)) {
                    throw JinjaException.runtime("macro '" + name + "' got multiple values for argument '" + p + "'");
                }
                v = args.get(i);
            } else if (extra.containsKey(p)) {
                v = extra.remove(p);
            } else if (defaults.get(i) != null) {
                v = r.eval(defaults.get(i), f);
            } else {
                v = Undefined.hint("parameter '" + p + "' was not provided");
            }
            f.vars.put(p, v);
        }
        Object callerArg = extra.remove("caller");
        if (caller != null) {
            f.vars.put("caller", caller);
        } else if (callerArg != null) {
            f.vars.put("caller", callerArg);
        }
        if (!extra.isEmpty() && !usesKwargs) {
            throw JinjaException.runtime("macro '" + name + "' takes no keyword argument '" + extra.keySet().iterator().next() + "'");
        }
        f.vars.put("varargs", args.size() > params.size() ? PyTuple.of(args.subList(params.size(), args.size())) : new PyTuple());
        f.vars.put("kwargs", new LinkedHashMap<Object, Object>(extra));
        return r.callMacroBody(this, body, f);
    }

    @Override
    public String describe() {
        return "<Macro '" + name + "'>";
    }
}
