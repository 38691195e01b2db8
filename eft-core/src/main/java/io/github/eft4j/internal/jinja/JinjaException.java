package io.github.eft4j.internal.jinja;

/**
 * A template that cannot be parsed or rendered.
 *
 * <p>{@link #getMessage()} reads {@code "<what> at line L, column C"}; {@link #detail()} is the bare
 * text (for {@link Kind#RAISED}, exactly the message the template passed to {@code
 * raise_exception}). Line and column are 1-based; 0 when unknown.
 */
public final class JinjaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The template text is not a template this renderer understands. */
        SYNTAX,
        /** Rendering failed: a type error, an undefined value used, a bad filter argument. */
        RUNTIME,
        /** The template called {@code raise_exception(message)}. */
        RAISED,
        /** Rendering hit one of the bounds that keep a hostile template from hanging or exhausting memory. */
        LIMIT
    }

    /** What went wrong. */
    private final Kind kind;
    /** The message without the position. */
    private final String detail;
    /** 1-based line, 0 if unknown. */
    private final int line;
    /** 1-based column, 0 if unknown. */
    private final int column;

    JinjaException(Kind kind, String detail, int line, int column) {
        super(format(kind, detail, line, column), null, false, true);
        this.kind = kind;
        this.detail = detail;
        this.line = line;
        this.column = column;
    }

    private static String format(Kind kind, String detail, int line, int column) {
        String where = line > 0 ? " at line " + line + ", column " + column : "";
        return switch (kind) {
            case RAISED -> detail + " (raise_exception" + where + ")";
            case SYNTAX -> "template syntax error" + where + ": " + detail;
            case RUNTIME -> "template error" + where + ": " + detail;
            case LIMIT -> "template limit exceeded" + where + ": " + detail;
        };
    }

    static JinjaException runtime(String detail) {
        return new JinjaException(Kind.RUNTIME, detail, 0, 0);
    }

    static JinjaException syntax(String detail, int line, int column) {
        return new JinjaException(Kind.SYNTAX, detail, line, column);
    }

    JinjaException at(int atLine, int atColumn) {
        return line > 0 ? this : new JinjaException(kind, detail, atLine, atColumn);
    }

    boolean hasPosition() {
        return line > 0;
    }

    /**
     * What went wrong.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The message without the position.
     *
     * @return the bare message
     */
    public String detail() {
        return detail;
    }

    /**
     * The 1-based line of the construct that failed.
     *
     * @return the line, 0 if unknown
     */
    public int line() {
        return line;
    }

    /**
     * The 1-based column of the construct that failed.
     *
     * @return the column, 0 if unknown
     */
    public int column() {
        return column;
    }
}
