package io.tributary.tools.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

/** A small line chart (log-scale y) drawn with java.awt, headless. */
final class Plot {

    record Series(String name, List<double[]> points) {
    }

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd)};

    private Plot() {
    }

    static void write(Path file, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 960;
        int h = 480;
        int left = 80;
        int right = 180;
        int top = 40;
        int bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double xMax = 1;
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                xMax = Math.max(xMax, p[0]);
                if (p[1] > 0) {
                    yMin = Math.min(yMin, p[1]);
                    yMax = Math.max(yMax, p[1]);
                }
            }
        }
        if (yMax == 0) {
            yMin = 0.001;
            yMax = 1;
        }
        double lo = Math.floor(Math.log10(yMin));
        double hi = Math.ceil(Math.log10(yMax));
        if (hi <= lo) {
            hi = lo + 1;
        }
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double d = lo; d <= hi; d++) {
            int y = top + ph - (int) ((d - lo) / (hi - lo) * ph);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, y, left + pw, y);
            g.setColor(Color.DARK_GRAY);
            double v = Math.pow(10, d);
            g.drawString(v >= 1 ? String.format("%.0f s", v) : String.format("%.0f ms", v * 1000), 8, y + 4);
        }
        double xStep = xMax > 120 ? 30 : xMax > 40 ? 10 : 5;
        for (double x = 0; x <= xMax; x += xStep) {
            int px = left + (int) (x / xMax * pw);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(px, top, px, top + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.0f", x), px - 6, top + ph + 16);
        }
        g.drawString(xLabel, left + pw / 2 - 40, h - 10);
        g.drawString(yLabel, left, top - 4 + 0);
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        int i = 0;
        for (Series s : series) {
            Color c = COLORS[i % COLORS.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(2f));
            int[] prev = null;
            for (double[] p : s.points()) {
                if (!(p[1] > 0)) {
                    prev = null;
                    continue;
                }
                int px = left + (int) (p[0] / xMax * pw);
                int py = top + ph - (int) ((Math.log10(p[1]) - lo) / (hi - lo) * ph);
                if (prev != null) {
                    g.drawLine(prev[0], prev[1], px, py);
                }
                g.fillOval(px - 2, py - 2, 4, 4);
                prev = new int[] {px, py};
            }
            g.fillRect(left + pw + 12, top + 10 + i * 20, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), left + pw + 32, top + 16 + i * 20);
            i++;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    static Map<String, List<double[]>> empty() {
        return new LinkedHashMap<>();
    }
}
