package io.github.eft4j.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The λ-sweep plot: what it shows, and that its PNG rendering is a real picture. */
class SweepPlotTest {
    static final double[] LAMBDAS = {0, 0.25, 0.5, 0.75, 1};

    static SweepPlot plot() {
        List<Reproduce.Row> rows = new java.util.ArrayList<>();
        double[] exact = {0, 0.068, 0.565, 0.775, 0.818};
        double[] hedged = {0.94, 0.6, 0.053, 0, 0};
        for (int i = 0; i < LAMBDAS.length; i++) {
            rows.add(new Reproduce.Row("λ=" + LAMBDAS[i], "", "", null, Reproduce.Bases.PROSE, 1, exact[i], 0.5, hedged[i]));
        }
        return Reproduce.plot(rows, LAMBDAS, 400);
    }

    @Test
    void theSvgShowsExactMatchWithAxesMarkersLegendAndN() {
        String svg = plot().svg();
        assertTrue(svg.contains(">exact match</text>") && svg.contains(">hedged answers</text>"), "legend: " + svg);
        assertTrue(svg.contains("n = 400 held-out words"), svg);
        assertTrue(svg.contains("share of greedy answers") && svg.contains("rotate(-90)"), "y-axis label: " + svg);
        assertTrue(svg.contains("λ (weight of small-ft"), "x-axis label: " + svg);
        assertEquals(LAMBDAS.length + 1, count(svg, "<circle"), "a marker per point, plus the legend's");
        assertEquals(LAMBDAS.length + 1, count(svg, "<rect x="), "square markers of the second series");
        assertTrue(!svg.contains("first-word"), "README quotes exact match, so the plot shows exact match");
        try {
            javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new java.io.ByteArrayInputStream(svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("the SVG is not well-formed XML: " + e.getMessage(), e);
        }
    }

    @Test
    void theTitleFitsTheWidth() {
        SweepPlot p = plot();
        assertTrue(p.widestTitlePixels() < SweepPlot.WIDTH - 20, "title " + p.widestTitlePixels() + " px in " + SweepPlot.WIDTH);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void thePngHasTheSizeAndIsNotBlank(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("p.png");
        plot().writePng(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(SweepPlot.WIDTH, img.getWidth());
        assertEquals(SweepPlot.HEIGHT, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        int dark = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    dark++;
                }
            }
        }
        assertTrue(colours.size() > 20, "anti-aliased lines and text: " + colours.size() + " colours");
        assertTrue(dark > 2000, "not blank: " + dark + " non-white pixels");
        // the markers sit where the data says: λ = 1, exact 0.818 (blue) and λ = 0, hedged 0.94 (red)
        SweepPlot p = plot();
        assertClose(new Color(0x1f, 0x77, 0xb4), new Color(img.getRGB((int) Math.round(p.px(1)), (int) Math.round(p.py(0.818)))));
        assertClose(new Color(0xd6, 0x27, 0x28), new Color(img.getRGB((int) Math.round(p.px(0)), (int) Math.round(p.py(0.94)))));
        assertTrue(Files.size(png) > 1000);
    }

    private static void assertClose(Color want, Color got) {
        int d = Math.abs(want.getRed() - got.getRed()) + Math.abs(want.getGreen() - got.getGreen()) + Math.abs(want.getBlue() - got.getBlue());
        assertTrue(d < 40, "expected about " + want + ", got " + got);
    }
}
