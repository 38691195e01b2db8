package io.github.eft4j.internal.jinja;

import io.github.eft4j.internal.jinja.Lexer.Token;
import io.github.eft4j.internal.jinja.Lexer.Type;
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
import io.github.eft4j.internal.jinja.Node.Slice;
import io.github.eft4j.internal.jinja.Node.Stmt;
import io.github.eft4j.internal.jinja.Node.Target;
import io.github.eft4j.internal.jinja.Node.Test;
import io.github.eft4j.internal.jinja.Node.Text;
import io.github.eft4j.internal.jinja.Node.TupleLit;
import io.github.eft4j.internal.jinja.Node.Unary;
import io.github.eft4j.internal.jinja.Node.With;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser with jinja2's grammar and operator precedence. */
final class Parser {
    private static final Set<String> UNSUPPORTED_TAGS = Set.of(
            "include", "import", "from", "extends", "block", "autoescape", "trans", "pluralize", "do", "debug");

    private final List<Token> tokens;
    private int i;
    private int depth;
    private int loops;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String template) {
        Parser p = new Parser(Lexer.tokenize(template));
        List<Stmt> body = p.subparse(Set.of(), null);
        if (p.cur().type() != Type.EOF) {
            throw p.unexpected(p.cur(), "a statement");
        }
        return body;
    }

    // ------------------------------------------------------------------ token helpers

    private Token cur() {
        return tokens.get(i);
    }

    private Token peek(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.type() != Type.EOF) {
            i++;
        }
        return t;
    }

    private boolean skipOp(String op) {
        if (cur().isOp(op)) {
            i++;
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (cur().isName(name)) {
            i++;
            return true;
        }
        return false;
    }

    private Token expectOp(String op) {
        if (!cur().isOp(op)) {
            throw unexpected(cur(), "'" + op + "'");
        }
        return next();
    }

    private Token expectName() {
        if (cur().type() != Type.NAME) {
            throw unexpected(cur(), "a name");
        }
        return next();
    }

    private void expectBlockEnd() {
        if (cur().type() != Type.BLOCK_END) {
            throw unexpected(cur(), "'%}'");
        }
        next();
    }

    private static JinjaException error(Token at, String message) {
        return JinjaException.syntax(message, at.line(), at.col());
    }

    private static JinjaException unexpected(Token t, String expected) {
        return error(t, "unexpected " + t.describe() + "; expected " + expected);
    }

    private void enter(Token at) {
        if (++depth > Limits.MAX_NESTING) {
            throw error(at, "statements and expressions nested deeper than " + Limits.MAX_NESTING + " levels");
        }
    }

    private void leave() {
        depth--;
    }

    // ------------------------------------------------------------------ statements

    /**
     * Parses statements until a block tag named in {@code ends}; leaves the position on that tag's
     * name (after its '{%'). {@code opener} describes the open block for messages.
     */
    private List<Stmt> subparse(Set<String> ends, Token opener) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = cur();
            switch (t.type()) {
                case DATA -> {
                    next();
                    body.add(new Text(t.text(), t.line(), t.col()));
                }
                case VAR_BEGIN -> {
                    next();
                    enter(t);
                    Expr e = parseTuple(true, Set.of(), false);
                    leave();
                    if (cur().type() != Type.VAR_END) {
                        throw unexpected(cur(), "'}}'");
                    }
                    next();
                    body.add(new Emit(e, t.line(), t.col()));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.type() == Type.NAME && ends.contains(name.text())) {
                        next();
                        return body;
                    }
                    next();
                    enter(t);
                    body.add(statement(t));
                    leave();
                }
                case EOF -> {
                    if (!ends.isEmpty()) {
                        throw error(t, "unexpected end of template; expected " + String.join(" or ",
                                ends.stream().sorted().map(s -> "'" + s + "'").toList()) + " to close the '"
                                + opener.text() + "' at line " + opener.line() + ", column " + opener.col());
                    }
                    return body;
                }
                default -> throw unexpected(t, "template text or a tag");
            }
        }
    }

    private Stmt statement(Token begin) {
        Token t = cur();
        if (t.type() != Type.NAME) {
            throw unexpected(t, "a tag name");
        }
        String tag = t.text();
        next();
        return switch (tag) {
            case "for" -> forStmt(t);
            case "if" -> ifStmt(t);
            case "set" -> setStmt(t);
            case "macro" -> macroStmt(t);
            case "call" -> callStmt(t);
            case "filter" -> filterStmt(t);
            case "with" -> withStmt(t);
            case "generation" -> {
                expectBlockEnd();
                List<Stmt> body = subparse(Set.of("endgeneration"), t);
                next();
                expectBlockEnd();
                yield new Block(body, t.line(), t.col());
            }
            case "break", "continue" -> {
                if (loops == 0) {
                    throw error(t, "'" + tag + "' outside a for loop");
                }
                expectBlockEnd();
                yield new LoopControl(tag.equals("break"), t.line(), t.col());
            }
            default -> {
                if (UNSUPPORTED_TAGS.contains(tag)) {
                    throw error(t, "unsupported construct '{% " + tag + " %}': chat templates are rendered on their own,"
                            + " without other templates or extensions");
                }
                if (tag.startsWith("end") || tag.equals("else") || tag.equals("elif")) {
                    throw error(t, "unexpected '" + tag + "': no open block it could close");
                }
                throw error(t, "unknown tag '" + tag + "'");
            }
        };
    }

    private For forStmt(Token t) {
        Target target = assignTarget(Set.of("in"), false);
        if (!skipName("in")) {
            throw unexpected(cur(), "'in'");
        }
        Expr iter = parseTuple(false, Set.of("recursive"), false);
        Expr filter = null;
        if (skipName("if")) {
            filter = expression(true);
        }
        if (cur().isName("recursive")) {
            throw error(cur(), "unsupported construct 'recursive' for loops");
        }
        expectBlockEnd();
        loops++;
        List<Stmt> body = subparse(Set.of("endfor", "else"), t);
        loops--;
        List<Stmt> otherwise = List.of();
        if (next().text().equals("else")) {
            expectBlockEnd();
            otherwise = subparse(Set.of("endfor"), t);
            next();
        }
        expectBlockEnd();
        return new For(target, iter, filter, body, otherwise, t.line(), t.col());
    }

    private If ifStmt(Token t) {
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        tests.add(parseTuple(false, Set.of(), false));
        expectBlockEnd();
        while (true) {
            bodies.add(subparse(Set.of("elif", "else", "endif"), t));
            String tag = next().text();
            if (tag.equals("elif")) {
                tests.add(parseTuple(false, Set.of(), false));
                expectBlockEnd();
                continue;
            }
            if (tag.equals("else")) {
                expectBlockEnd();
                otherwise = subparse(Set.of("endif"), t);
                next();
            }
            expectBlockEnd();
            return new If(tests, bodies, otherwise, t.line(), t.col());
        }
    }

    private Stmt setStmt(Token t) {
        Target target = assignTarget(Set.of(), true);
        if (skipOp("=")) {
            Expr value = parseTuple(true, Set.of(), false);
            expectBlockEnd();
            return new Node.Set(target, value, t.line(), t.col());
        }
        List<Filter> filters = new ArrayList<>();
        while (cur().isOp("|")) {
            Token bar = next();
            filters.add(filter(null, bar));
        }
        expectBlockEnd();
        List<Stmt> body = subparse(Set.of("endset"), t);
        next();
        expectBlockEnd();
        return new Node.SetBlock(target, filters, body, t.line(), t.col());
    }

    private MacroDef macroStmt(Token t) {
        String name = expectName().text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        signature(params, defaults);
        expectBlockEnd();
        int savedLoops = loops;
        loops = 0;
        List<Stmt> body = subparse(Set.of("endmacro"), t);
        loops = savedLoops;
        next();
        if (cur().type() == Type.NAME) {
            next(); // {% endmacro name %}
        }
        expectBlockEnd();
        return new MacroDef(name, params, defaults, body, References.uses(body, "varargs"),
                References.uses(body, "kwargs"), t.line(), t.col());
    }

    private void signature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        while (!cur().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
                if (cur().isOp(")")) {
                    break;
                }
            }
            Token p = expectName();
            params.add(p.text());
            if (skipOp("=")) {
                defaults.add(expression(true));
            } else {
                if (!defaults.isEmpty() && defaults.get(defaults.size() - 1) != null) {
                    throw error(p, "parameter '" + p.text() + "' without a default follows one with a default");
                }
                defaults.add(null);
            }
        }
        next();
    }

    private CallBlock callStmt(Token t) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (cur().isOp("(")) {
            signature(params, defaults);
        }
        Token at = cur();
        Expr call = expression(true);
        if (!(call instanceof Call c)) {
            throw error(at, "'call' needs a macro call, like {% call m() %}");
        }
        expectBlockEnd();
        List<Stmt> body = subparse(Set.of("endcall"), t);
        next();
        expectBlockEnd();
        return new CallBlock(c, params, defaults, body, References.uses(body, "varargs"),
                References.uses(body, "kwargs"), t.line(), t.col());
    }

    private FilterBlock filterStmt(Token t) {
        List<Filter> filters = new ArrayList<>();
        filters.add(filter(null, t));
        while (cur().isOp("|")) {
            Token bar = next();
            filters.add(filter(null, bar));
        }
        expectBlockEnd();
        List<Stmt> body = subparse(Set.of("endfilter"), t);
        next();
        expectBlockEnd();
        return new FilterBlock(filters, body, t.line(), t.col());
    }

    private With withStmt(Token t) {
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (cur().type() != Type.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOp(",");
            }
            targets.add(assignTarget(Set.of(), false));
            expectOp("=");
            values.add(expression(true));
        }
        next();
        List<Stmt> body = subparse(Set.of("endwith"), t);
        next();
        expectBlockEnd();
        return new With(targets, values, body, t.line(), t.col());
    }

    /** A name, {@code ns.attr} (set only) or a tuple of names, with or without parentheses. */
    private Target assignTarget(Set<String> endNames, boolean withNamespace) {
        Token t = cur();
        if (withNamespace && t.type() == Type.NAME && peek(1).isOp(".") && peek(2).type() == Type.NAME) {
            next();
            next();
            Token attr = next();
            return new Node.AttrTarget(t.text(), attr.text(), t.line(), t.col());
        }
        List<Target> items = new ArrayList<>();
        boolean paren = skipOp("(");
        boolean tuple = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) {
                    break;
                }
                tuple = true;
            }
            Token n = cur();
            if (n.type() != Type.NAME || endNames.contains(n.text())) {
                if (items.isEmpty()) {
                    throw unexpected(n, "a name to assign to");
                }
                break;
            }
            if (n.text().equals("true") || n.text().equals("false") || n.text().equals("none")
                    || n.text().equals("True") || n.text().equals("False") || n.text().equals("None")) {
                throw error(n, "cannot assign to " + n.text());
            }
            next();
            items.add(new Node.NameTarget(n.text(), n.line(), n.col()));
        }
        if (paren) {
            expectOp(")");
            tuple = tuple || items.size() > 1;
        }
        return tuple ? new Node.TupleTarget(items, t.line(), t.col()) : items.get(0);
    }

    // ------------------------------------------------------------------ expressions

    private boolean isTupleEnd(Set<String> endNames) {
        Token t = cur();
        return t.type() == Type.VAR_END || t.type() == Type.BLOCK_END || t.type() == Type.EOF || t.isOp(")")
                || (t.type() == Type.NAME && endNames.contains(t.text()));
    }

    /** {@code a, b} is a tuple wherever an expression may stand at the top of a tag. */
    private Expr parseTuple(boolean withCondExpr, Set<String> endNames, boolean explicitParens) {
        Token start = cur();
        List<Expr> items = new ArrayList<>();
        boolean tuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOp(",");
            }
            if (isTupleEnd(endNames)) {
                break;
            }
            items.add(withCondExpr ? condExpr() : or());
            if (cur().isOp(",")) {
                tuple = true;
            } else {
                break;
            }
        }
        if (!tuple) {
            if (!items.isEmpty()) {
                return items.get(0);
            }
            if (!explicitParens) {
                throw unexpected(cur(), "an expression");
            }
        }
        return new TupleLit(items, start.line(), start.col());
    }

    private Expr expression(boolean withCondExpr) {
        return withCondExpr ? condExpr() : or();
    }

    private Expr condExpr() {
        Expr e = or();
        while (cur().isName("if")) {
            Token t = next();
            Expr test = or();
            Expr otherwise = null;
            if (skipName("else")) {
                enter(t);
                otherwise = condExpr();
                leave();
            }
            e = new CondExpr(test, e, otherwise, t.line(), t.col());
        }
        return e;
    }

    private Expr or() {
        Expr left = and();
        int saved = depth;
        while (cur().isName("or")) {
            Token t = next();
            enter(t);
            left = new Logic(false, left, and(), t.line(), t.col());
        }
        depth = saved;
        return left;
    }

    private Expr and() {
        Expr left = not();
        int saved = depth;
        while (cur().isName("and")) {
            Token t = next();
            enter(t);
            left = new Logic(true, left, not(), t.line(), t.col());
        }
        depth = saved;
        return left;
    }

    private Expr not() {
        if (cur().isName("not")) {
            Token t = next();
            enter(t);
            Expr e = new Unary("not", not(), t.line(), t.col());
            leave();
            return e;
        }
        return compare();
    }

    private Expr compare() {
        Token start = cur();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = cur();
            if (t.type() == Type.OP && Set.of("==", "!=", "<", "<=", ">", ">=").contains(t.text())) {
                next();
                ops.add(t.text());
                rest.add(math1());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
                rest.add(math1());
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                ops.add("notin");
                rest.add(math1());
            } else {
                break;
            }
        }
        return ops.isEmpty() ? first : new Compare(first, ops, rest, start.line(), start.col());
    }

    private Expr math1() {
        Expr left = concat();
        int saved = depth;
        while (cur().isOp("+") || cur().isOp("-")) {
            Token t = next();
            enter(t);
            left = new Node.Binary(t.text(), left, concat(), t.line(), t.col());
        }
        depth = saved;
        return left;
    }

    private Expr concat() {
        Expr left = math2();
        int saved = depth;
        while (cur().isOp("~")) {
            Token t = next();
            enter(t);
            left = new Node.Binary("~", left, math2(), t.line(), t.col());
        }
        depth = saved;
        return left;
    }

    private Expr math2() {
        Expr left = pow();
        int saved = depth;
        while (cur().isOp("*") || cur().isOp("/") || cur().isOp("//") || cur().isOp("%")) {
            Token t = next();
            enter(t);
            left = new Node.Binary(t.text(), left, pow(), t.line(), t.col());
        }
        depth = saved;
        return left;
    }

    private Expr pow() {
        Expr left = unary(true);
        int saved = depth;
        while (cur().isOp("**")) {
            Token t = next();
            enter(t);
            left = new Node.Binary("**", left, unary(true), t.line(), t.col());
        }
        depth = saved;
        return left;
    }

    private Expr unary(boolean withFilter) {
        Token t = cur();
        enter(t);
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            node = new Unary(t.text(), unary(false), t.line(), t.col());
        } else {
            node = primary();
        }
        node = postfix(node);
        if (withFilter) {
            node = filterExpr(node);
        }
        leave();
        return node;
    }

    private Expr primary() {
        Token t = next();
        switch (t.type()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Const(Boolean.TRUE, t.line(), t.col());
                    case "false", "False" -> new Const(Boolean.FALSE, t.line(), t.col());
                    case "none", "None" -> new Const(null, t.line(), t.col());
                    default -> new Name(t.text(), t.line(), t.col());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (cur().type() == Type.STRING) {
                    sb.append((String) next().value());
                }
                return new Const(sb.toString(), t.line(), t.col());
            }
            case INT, FLOAT -> {
                return new Const(t.value(), t.line(), t.col());
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        Expr e = parseTuple(true, Set.of(), true);
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!cur().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (cur().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(expression(true));
                        }
                        next();
                        return new ListLit(items, t.line(), t.col());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!cur().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (cur().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        next();
                        return new DictLit(keys, values, t.line(), t.col());
                    }
                    default -> throw unexpected(t, "an expression");
                }
            }
            default -> throw unexpected(t, "an expression");
        }
    }

    private Expr postfix(Expr node) {
        while (true) {
            Token t = cur();
            if (t.isOp(".") || t.isOp("[")) {
                node = subscript(node);
            } else if (t.isOp("(")) {
                node = call(node);
            } else {
                return node;
            }
        }
    }

    private Expr filterExpr(Expr node) {
        while (true) {
            Token t = cur();
            if (t.isOp("|")) {
                next();
                node = filter(node, t);
            } else if (t.isName("is")) {
                next();
                node = test(node, t);
            } else if (t.isOp("(")) {
                node = call(node);
            } else {
                return node;
            }
        }
    }

    private Expr subscript(Expr node) {
        Token t = next();
        if (t.isOp(".")) {
            Token attr = next();
            if (attr.type() == Type.NAME) {
                return new GetAttr(node, attr.text(), attr.line(), attr.col());
            }
            if (attr.type() == Type.INT) {
                return new GetItem(node, new Const(attr.value(), attr.line(), attr.col()), attr.line(), attr.col());
            }
            throw unexpected(attr, "an attribute name after '.'");
        }
        List<Expr> args = new ArrayList<>();
        while (!cur().isOp("]")) {
            if (!args.isEmpty()) {
                expectOp(",");
            }
            args.add(subscribed());
        }
        next();
        if (args.isEmpty()) {
            throw error(t, "empty subscript '[]'");
        }
        Expr key = args.size() == 1 ? args.get(0) : new TupleLit(args, t.line(), t.col());
        return new GetItem(node, key, t.line(), t.col());
    }

    private Expr subscribed() {
        Token t = cur();
        Expr start = null;
        if (!t.isOp(":")) {
            Expr e = expression(true);
            if (!cur().isOp(":")) {
                return e;
            }
            start = e;
        }
        next(); // ':'
        Expr stop = null;
        if (!cur().isOp(":") && !cur().isOp("]") && !cur().isOp(",")) {
            stop = expression(true);
        }
        Expr step = null;
        if (skipOp(":") && !cur().isOp("]") && !cur().isOp(",")) {
            step = expression(true);
        }
        return new Slice(start, stop, step, t.line(), t.col());
    }

    private record Args(List<Expr> args, List<String> kwNames, List<Expr> kwValues, Expr dynArgs, Expr dynKwargs) {
        Args(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
            this(args, kwNames, kwValues, null, null);
        }
    }

    private Args callArgs() {
        Token open = expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        Expr dynArgs = null;
        Expr dynKwargs = null;
        boolean first = true;
        while (!cur().isOp(")")) {
            if (!first) {
                expectOp(",");
                if (cur().isOp(")")) {
                    break;
                }
            }
            first = false;
            if (cur().isOp("*")) {
                Token star = next();
                if (dynArgs != null || dynKwargs != null) {
                    throw error(star, "'*' argument after another '*' or '**' argument");
                }
                dynArgs = expression(true);
                continue;
            }
            if (cur().isOp("**")) {
                Token star = next();
                if (dynKwargs != null) {
                    throw error(star, "'**' argument repeated");
                }
                dynKwargs = expression(true);
                continue;
            }
            if (dynKwargs != null) {
                throw error(cur(), "argument after '**' argument");
            }
            if (cur().type() == Type.NAME && peek(1).isOp("=")) {
                Token n = next();
                next();
                if (kwNames.contains(n.text())) {
                    throw error(n, "keyword argument '" + n.text() + "' repeated");
                }
                kwNames.add(n.text());
                kwValues.add(expression(true));
            } else {
                if (!kwNames.isEmpty() || dynArgs != null) {
                    throw error(cur(), "positional argument follows keyword argument or '*' argument");
                }
                args.add(expression(true));
            }
        }
        next();
        if (args.size() + kwNames.size() > 255) {
            throw error(open, "more than 255 arguments");
        }
        return new Args(args, kwNames, kwValues, dynArgs, dynKwargs);
    }

    private Expr call(Expr fn) {
        Args a = callArgs();
        // Errors in a call point at the callee ("raise_exception", "strip" in "content.strip()").
        return new Call(fn, a.args, a.kwNames, a.kwValues, a.dynArgs, a.dynKwargs, fn.line(), fn.col());
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(expectName().text());
        while (cur().isOp(".") && peek(1).type() == Type.NAME) {
            next();
            name.append('.').append(next().text());
        }
        return name.toString();
    }

    private Filter filter(Expr value, Token at) {
        Token nameTok = cur();
        String name = dottedName();
        Args a = cur().isOp("(") ? callArgs() : new Args(List.of(), List.of(), List.of());
        if (a.dynArgs != null || a.dynKwargs != null) {
            throw error(nameTok, "unsupported construct: '*args' / '**kwargs' in a filter call");
        }
        return new Filter(value, name, a.args, a.kwNames, a.kwValues, nameTok.line(), nameTok.col());
    }

    private Expr test(Expr value, Token is) {
        boolean negated = skipName("not");
        Token nameTok = cur();
        String name = dottedName();
        Args a;
        Token c = cur();
        if (c.isOp("(")) {
            a = callArgs();
            if (a.dynArgs != null || a.dynKwargs != null) {
                throw error(nameTok, "unsupported construct: '*args' / '**kwargs' in a test call");
            }
        } else if ((c.type() == Type.NAME || c.type() == Type.STRING || c.type() == Type.INT || c.type() == Type.FLOAT
                || c.isOp("(") || c.isOp("[") || c.isOp("{"))
                && !c.isName("else") && !c.isName("or") && !c.isName("and")) {
            if (c.isName("is")) {
                throw error(c, "tests cannot be chained with 'is'");
            }
            Expr arg = postfix(primary());
            a = new Args(List.of(arg), List.of(), List.of());
        } else {
            a = new Args(List.of(), List.of(), List.of());
        }
        return new Test(value, name, a.args, a.kwNames, a.kwValues, negated, nameTok.line(), nameTok.col());
    }
}
