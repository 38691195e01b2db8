package io.github.eft4j.internal.jinja;

import io.github.eft4j.internal.jinja.Node.Expr;
import java.util.List;

/** Whether a macro body reads a name ({@code varargs}, {@code kwargs}), which decides what calls it accepts. */
final class References {
    private References() {
    }

    static boolean uses(List<? extends Node> nodes, String name) {
        for (Node n : nodes) {
            if (n != null && uses(n, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean uses(Node n, String name) {
        return switch (n) {
            case Node.Name x -> x.name().equals(name);
            case Node.Const x -> false;
            case Node.ListLit x -> uses(x.items(), name);
            case Node.TupleLit x -> uses(x.items(), name);
            case Node.DictLit x -> uses(x.keys(), name) || uses(x.values(), name);
            case Node.GetAttr x -> uses(x.obj(), name);
            case Node.GetItem x -> uses(x.obj(), name) || uses(x.key(), name);
            case Node.Slice x -> uses(nonNull(x.start(), x.stop(), x.step()), name);
            case Node.Call x -> uses(x.fn(), name) || uses(x.args(), name) || uses(x.kwValues(), name)
                    || uses(nonNull(x.dynArgs(), x.dynKwargs()), name);
            case Node.Filter x -> (x.value() != null && uses(x.value(), name)) || uses(x.args(), name)
                    || uses(x.kwValues(), name);
            case Node.Test x -> uses(x.value(), name) || uses(x.args(), name) || uses(x.kwValues(), name);
            case Node.Unary x -> uses(x.operand(), name);
            case Node.Binary x -> uses(x.left(), name) || uses(x.right(), name);
            case Node.Logic x -> uses(x.left(), name) || uses(x.right(), name);
            case Node.Compare x -> uses(x.first(), name) || uses(x.rest(), name);
            case Node.CondExpr x -> uses(nonNull(x.test(), x.then(), x.otherwise()), name);
            case Node.NameTarget x -> false;
            case Node.TupleTarget x -> false;
            case Node.AttrTarget x -> false;
            case Node.Text x -> false;
            case Node.Emit x -> uses(x.expr(), name);
            case Node.If x -> uses(x.tests(), name) || x.bodies().stream().anyMatch(b -> uses(b, name))
                    || uses(x.otherwise(), name);
            case Node.For x -> uses(nonNull(x.iter(), x.filter()), name) || uses(x.body(), name) || uses(x.otherwise(), name);
            case Node.Set x -> uses(x.value(), name);
            case Node.SetBlock x -> uses(x.filters(), name) || uses(x.body(), name);
            // A nested macro's own varargs/kwargs are its own.
            case Node.MacroDef x -> false;
            case Node.CallBlock x -> uses(x.call(), name);
            case Node.FilterBlock x -> uses(x.filters(), name) || uses(x.body(), name);
            case Node.With x -> uses(x.values(), name) || uses(x.body(), name);
            case Node.Block x -> uses(x.body(), name);
            case Node.LoopControl x -> false;
        };
    }

    private static List<Expr> nonNull(Expr... es) {
        return java.util.Arrays.stream(es).filter(java.util.Objects::nonNull).toList();
    }
}
