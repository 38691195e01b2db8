package io.github.eft4j.internal.jinja;

import java.util.List;

/** The parsed template: statements and expressions, each with the 1-based line and column it starts at. */
sealed interface Node {
    int line();

    int col();

    // ------------------------------------------------------------------ expressions

    /** An expression. */
    sealed interface Expr extends Node {
    }

    /** A literal: string, number, bool, None. */
    record Const(Object value, int line, int col) implements Expr {
    }

    /** A variable. */
    record Name(String name, int line, int col) implements Expr {
    }

    /** {@code [a, b]}. */
    record ListLit(List<Expr> items, int line, int col) implements Expr {
    }

    /** {@code (a, b)} or {@code a, b}. */
    record TupleLit(List<Expr> items, int line, int col) implements Expr {
    }

    /** {@code {k: v}}. */
    record DictLit(List<Expr> keys, List<Expr> values, int line, int col) implements Expr {
    }

    /** {@code obj.name}. */
    record GetAttr(Expr obj, String name, int line, int col) implements Expr {
    }

    /** {@code obj[key]}. */
    record GetItem(Expr obj, Expr key, int line, int col) implements Expr {
    }

    /** {@code start:stop:step} inside brackets; any part may be null. */
    record Slice(Expr start, Expr stop, Expr step, int line, int col) implements Expr {
    }

    /** {@code fn(args, name=value, *more, **named)}; {@code dynArgs} and {@code dynKwargs} may be null. */
    record Call(Expr fn, List<Expr> args, List<String> kwNames, List<Expr> kwValues, Expr dynArgs, Expr dynKwargs,
                int line, int col) implements Expr {
    }

    /** {@code value|name(args)}; value is null in a {@code filter} block or a block set. */
    record Filter(Expr value, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line, int col)
            implements Expr {
    }

    /** {@code value is [not] name(args)}. */
    record Test(Expr value, String name, List<Expr> args, List<String> kwNames, List<Expr> kwValues, boolean negated,
                int line, int col) implements Expr {
    }

    /** {@code -x}, {@code +x}, {@code not x}. */
    record Unary(String op, Expr operand, int line, int col) implements Expr {
    }

    /** Arithmetic and {@code ~}: {@code + - * / // % ** ~}. */
    record Binary(String op, Expr left, Expr right, int line, int col) implements Expr {
    }

    /** {@code and} / {@code or}, short-circuit, returning an operand as Python does. */
    record Logic(boolean and, Expr left, Expr right, int line, int col) implements Expr {
    }

    /** A comparison chain {@code a < b <= c}, with {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line, int col) implements Expr {
    }

    /** {@code a if test else b}; {@code otherwise} is null when there is no else. */
    record CondExpr(Expr test, Expr then, Expr otherwise, int line, int col) implements Expr {
    }

    // ------------------------------------------------------------------ assignment targets

    /** Where {@code set}, {@code for} and {@code with} bind values. */
    sealed interface Target extends Node {
    }

    /** A variable. */
    record NameTarget(String name, int line, int col) implements Target {
    }

    /** {@code a, b} unpacking. */
    record TupleTarget(List<Target> items, int line, int col) implements Target {
    }

    /** {@code ns.attr} (namespaces only). */
    record AttrTarget(String object, String attr, int line, int col) implements Target {
    }

    // ------------------------------------------------------------------ statements

    /** A statement. */
    sealed interface Stmt extends Node {
    }

    /** Template text outside tags. */
    record Text(String text, int line, int col) implements Stmt {
    }

    /** {@code {{ expr }}}. */
    record Emit(Expr expr, int line, int col) implements Stmt {
    }

    /** {@code if / elif / else}. */
    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> otherwise, int line, int col) implements Stmt {
    }

    /** {@code for target in iter [if filter]} ... {@code [else]}. */
    record For(Target target, Expr iter, Expr filter, List<Stmt> body, List<Stmt> otherwise, int line, int col)
            implements Stmt {
    }

    /** {@code set target = value}. */
    record Set(Target target, Expr value, int line, int col) implements Stmt {
    }

    /** {@code set name [| filters]} body {@code endset}. */
    record SetBlock(Target target, List<Filter> filters, List<Stmt> body, int line, int col) implements Stmt {
    }

    /** {@code macro name(params)} body {@code endmacro}. */
    record MacroDef(String name, List<String> params, List<Expr> defaults, List<Stmt> body, boolean usesVarargs,
                    boolean usesKwargs, int line, int col) implements Stmt {
    }

    /** {@code call(params) macro(args)} body {@code endcall}. */
    record CallBlock(Call call, List<String> params, List<Expr> defaults, List<Stmt> body, boolean usesVarargs,
                     boolean usesKwargs, int line, int col) implements Stmt {
    }

    /** {@code filter f|g} body {@code endfilter}. */
    record FilterBlock(List<Filter> filters, List<Stmt> body, int line, int col) implements Stmt {
    }

    /** {@code with a = 1} body {@code endwith}: a scope. */
    record With(List<Target> targets, List<Expr> values, List<Stmt> body, int line, int col) implements Stmt {
    }

    /** {@code generation} body {@code endgeneration} (transformers' tag): renders its body. */
    record Block(List<Stmt> body, int line, int col) implements Stmt {
    }

    /** {@code break} / {@code continue} (jinja2.ext.loopcontrols, which transformers enables). */
    record LoopControl(boolean isBreak, int line, int col) implements Stmt {
    }
}
