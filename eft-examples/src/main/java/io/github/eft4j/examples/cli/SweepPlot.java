package io.github.eft4j.examples.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The λ-sweep plot of {@code eft4j reproduce}: exact match (the metric README quotes) and the
 * share of hedged answers against λ, with axis labels, markers, a legend and n. One layout, two
 * renderers: SVG text and a PNG through Java2D.
 *
 * @param title the title
 * @param xLabel the x-axis label
 * @param yLabel the y-axis label
 * @param x the λ values, ascending, in [0, 1]
 * @param series the curves, values in [0, 1], one per λ
 */
record SweepPlot(String title, String xLabel, String yLabel, double[] x, List<Series> series) {

    /** One curve; {@code square} picks square markers instead of circles. */
    record Series(String name, Color color, boolean square, double[] y) {
    }

    static final int WIDTH = 640;
    static final int HEIGHT = 400;
    static final int LEFT = 70;
    static final int TOP = 50;
    static final int PLOT_RIGHT = 450;     // the legend sits to the right of the plot
    static final int PLOT_BOTTOM = 330;
    static final int TITLE_SIZE = 15;
    static final int FONT_SIZE = 12;

    SweepPlot {
        for (Series s : series) {
            if (s.y().length != x.length) {
                throw new IllegalArgumentException("series '" + s.name() + "' has " + s.y().length + " values for " + x.length + " λ values");
            }
        }
    }

    double px(double v) {
        return LEFT + v * (PLOT_RIGHT - LEFT);
    }

    double py(double v) {
        return PLOT_BOTTOM - v * (PLOT_BOTTOM - TOP);
    }

    private static String hex(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    String svg() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"%d\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT, FONT_SIZE));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"%d\" font-weight=\"bold\">%s</text>%n",
                WIDTH / 2, TITLE_SIZE, esc(title)));
        for (int i = 0; i <= 4; i++) {
            double v = i / 4.0;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#dddddd\"/>%n", LEFT, py(v), PLOT_RIGHT, py(v)));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n", LEFT - 6, py(v) + 4, v));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.2f</text>%n", px(v), PLOT_BOTTOM + 18, v));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP, LEFT, PLOT_BOTTOM));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", (LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 42, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
                (TOP + PLOT_BOTTOM) / 2, esc(yLabel)));
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < x.length; i++) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x[i]), py(s.y()[i])));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", hex(s.color()),
                    pts.toString().strip()));
            for (int i = 0; i < x.length; i++) {
                sb.append(marker(s, px(x[i]), py(s.y()[i]))).append('\n');
            }
        }
        int ly = TOP + 10;
        for (Series s : series) {
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    PLOT_RIGHT + 20, ly, PLOT_RIGHT + 50, ly, hex(s.color())));
            sb.append(marker(s, PLOT_RIGHT + 35, ly)).append('\n');
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", PLOT_RIGHT + 58, ly + 4, esc(s.name())));
            ly += 22;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String marker(Series s, double cx, double cy) {
        return s.square()
                ? String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>", cx - 4, cy - 4, hex(s.color()))
                : String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>", cx, cy, hex(s.color()));
    }

    BufferedImage image() {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, FONT_SIZE);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, TITLE_SIZE));
            g.setColor(Color.BLACK);
            centered(g, title, WIDTH / 2.0, 28);
            g.setFont(font);
            for (int i = 0; i <= 4; i++) {
                double v = i / 4.0;
                g.setColor(new Color(0xdd, 0xdd, 0xdd));
                g.draw(new Line2D.Double(LEFT, py(v), PLOT_RIGHT, py(v)));
                g.setColor(Color.BLACK);
                String t = String.format(Locale.ROOT, "%.2f", v);
                g.drawString(t, (float) (LEFT - 6 - g.getFontMetrics().stringWidth(t)), (float) py(v) + 4);
                centered(g, t, px(v), PLOT_BOTTOM + 18);
            }
            g.draw(new Line2D.Double(LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM));
            g.draw(new Line2D.Double(LEFT, TOP, LEFT, PLOT_BOTTOM));
            centered(g, xLabel, (LEFT + PLOT_RIGHT) / 2.0, PLOT_BOTTOM + 42);
            AffineTransform saved = g.getTransform();
            g.translate(22, (TOP + PLOT_BOTTOM) / 2.0);
            g.rotate(-Math.PI / 2);
            centered(g, yLabel, 0, 0);
            g.setTransform(saved);
            g.setStroke(new BasicStroke(2f));
            for (Series s : series) {
                g.setColor(s.color());
                Path2D.Double line = new Path2D.Double();
                for (int i = 0; i < x.length; i++) {
                    if (i == 0) {
                        line.moveTo(px(x[i]), py(s.y()[i]));
                    } else {
                        line.lineTo(px(x[i]), py(s.y()[i]));
                    }
                }
                g.draw(line);
                for (int i = 0; i < x.length; i++) {
                    fillMarker(g, s, px(x[i]), py(s.y()[i]));
                }
            }
            int ly = TOP + 10;
            for (Series s : series) {
                g.setColor(s.color());
                g.draw(new Line2D.Double(PLOT_RIGHT + 20, ly, PLOT_RIGHT + 50, ly));
                fillMarker(g, s, PLOT_RIGHT + 35, ly);
                g.setColor(Color.BLACK);
                g.drawString(s.name(), PLOT_RIGHT + 58, ly + 4);
                ly += 22;
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void fillMarker(Graphics2D g, Series s, double cx, double cy) {
        g.fill(s.square() ? new Rectangle2D.Double(cx - 4, cy - 4, 8, 8) : new Ellipse2D.Double(cx - 4.5, cy - 4.5, 9, 9));
    }

    private static void centered(Graphics2D g, String text, double cx, double baseline) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, (float) (cx - fm.stringWidth(text) / 2.0), (float) baseline);
    }

    /** The widest text at its font, in pixels (Java2D metrics; the SVG uses the same sizes). */
    int widestTitlePixels() {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        try {
            return g.getFontMetrics(new Font(Font.SANS_SERIF, Font.BOLD, TITLE_SIZE)).stringWidth(title);
        } finally {
            g.dispose();
        }
    }

    void writePng(Path file) {
        try {
            if (!ImageIO.write(image(), "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + OptionSpec.reason(e), e);
        }
    }
}
