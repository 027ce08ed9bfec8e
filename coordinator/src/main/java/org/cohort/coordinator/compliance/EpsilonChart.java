package org.cohort.coordinator.compliance;

import java.util.List;
import java.util.Locale;
import org.cohort.coordinator.compliance.PrivacyViews.ChargeView;
import org.cohort.coordinator.compliance.PrivacyViews.SiteView;
import org.cohort.privacy.accounting.PrivacyNumbers;

/**
 * The privacy report's plot as inline SVG: ε after each charged round, a line per site, the
 * study's budget as a dashed line. No script or font to fetch, so the page stays self-contained.
 */
final class EpsilonChart {
    /** Colour-blind-safe palette (Okabe-Ito). */
    private static final String[] COLORS = {
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"
    };

    private EpsilonChart() {}

    /** A line per site: ε after each of its charged rounds; the budget as a dashed line. */
    static String svg(List<SiteView> sites, Double budget) {
        final int w = 760;
        final int hgt = 340;
        final int left = 64;
        final int right = 180;
        final int top = 20;
        final int bottom = 54;
        int maxRound = 1;
        double maxEps = budget == null ? 0 : budget;
        for (SiteView s : sites) {
            for (ChargeView c : s.charges()) {
                maxRound = Math.max(maxRound, c.roundNumber());
                if (Double.isFinite(c.epsilonAfter())) {
                    maxEps = Math.max(maxEps, c.epsilonAfter());
                }
            }
        }
        double yMax = niceCeiling(maxEps <= 0 ? 1 : maxEps * 1.08);
        double plotW = w - left - right;
        double plotH = hgt - top - bottom;
        SiteView first = sites.get(0);
        String axis = "ε (" + first.spent().unitLabel() + ", δ = "
                + first.spent().deltaText() + ", " + first.spent().method() + ")";
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(w)
                .append(' ')
                .append(hgt)
                .append("\" width=\"")
                .append(w)
                .append("\" height=\"")
                .append(hgt)
                .append("\" role=\"img\" aria-label=\"")
                .append(PrivacyReportHtml.esc(axis + " after each round, per site"))
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        // Axes and grid.
        double yStep = yMax / 5;
        for (int i = 0; i <= 5; i++) {
            double v = i * yStep;
            double y = top + plotH - v / yMax * plotH;
            s.append("<line x1=\"")
                    .append(left)
                    .append("\" x2=\"")
                    .append(fmt(left + plotW))
                    .append("\" y1=\"")
                    .append(fmt(y))
                    .append("\" y2=\"")
                    .append(fmt(y))
                    .append("\" stroke=\"#eaeef2\"/>")
                    .append("<text x=\"")
                    .append(left - 6)
                    .append("\" y=\"")
                    .append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">")
                    .append(PrivacyReportHtml.esc(trim(v)))
                    .append("</text>\n");
        }
        int xStep = Math.max(1, (int) Math.ceil(maxRound / 10.0));
        for (int r = 0; r <= maxRound; r += xStep) {
            double x = left + r / (double) maxRound * plotW;
            s.append("<line x1=\"")
                    .append(fmt(x))
                    .append("\" x2=\"")
                    .append(fmt(x))
                    .append("\" y1=\"")
                    .append(top)
                    .append("\" y2=\"")
                    .append(fmt(top + plotH))
                    .append("\" stroke=\"#f3f4f6\"/>")
                    .append("<text x=\"")
                    .append(fmt(x))
                    .append("\" y=\"")
                    .append(fmt(top + plotH + 16))
                    .append("\" text-anchor=\"middle\">")
                    .append(r)
                    .append("</text>\n");
        }
        s.append("<line x1=\"")
                .append(left)
                .append("\" y1=\"")
                .append(fmt(top + plotH))
                .append("\" x2=\"")
                .append(fmt(left + plotW))
                .append("\" y2=\"")
                .append(fmt(top + plotH))
                .append("\" stroke=\"#57606a\"/>")
                .append("<line x1=\"")
                .append(left)
                .append("\" y1=\"")
                .append(top)
                .append("\" x2=\"")
                .append(left)
                .append("\" y2=\"")
                .append(fmt(top + plotH))
                .append("\" stroke=\"#57606a\"/>\n");
        s.append("<text x=\"")
                .append(fmt(left + plotW / 2))
                .append("\" y=\"")
                .append(hgt - 22)
                .append("\" text-anchor=\"middle\">round</text>\n");
        s.append("<text x=\"")
                .append(fmt(left + plotW / 2))
                .append("\" y=\"")
                .append(hgt - 6)
                .append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"#57606a\">")
                .append(PrivacyReportHtml.esc(axis))
                .append("</text>\n");
        s.append("<text transform=\"translate(16 ")
                .append(fmt(top + plotH / 2))
                .append(") rotate(-90)\" text-anchor=\"middle\">ε</text>\n");
        if (budget != null) {
            double y = top + plotH - budget / yMax * plotH;
            s.append("<line x1=\"")
                    .append(left)
                    .append("\" x2=\"")
                    .append(fmt(left + plotW))
                    .append("\" y1=\"")
                    .append(fmt(y))
                    .append("\" y2=\"")
                    .append(fmt(y))
                    .append("\" stroke=\"#a40e26\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>")
                    .append("<text x=\"")
                    .append(fmt(left + plotW - 4))
                    .append("\" y=\"")
                    .append(fmt(y - 5))
                    .append("\" text-anchor=\"end\" fill=\"#a40e26\">budget ε = ")
                    .append(PrivacyReportHtml.esc(PrivacyNumbers.epsilon(budget)))
                    .append("</text>\n");
        }
        // One polyline per site, starting at (0, 0): nothing is spent before the first round.
        for (int i = 0; i < sites.size(); i++) {
            SiteView site = sites.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder().append(left).append(',').append(fmt(top + plotH));
            StringBuilder dots = new StringBuilder();
            for (ChargeView c : site.charges()) {
                double eps = Double.isFinite(c.epsilonAfter()) ? c.epsilonAfter() : yMax;
                double x = left + c.roundNumber() / (double) maxRound * plotW;
                double y = top + plotH - Math.min(eps, yMax) / yMax * plotH;
                pts.append(' ').append(fmt(x)).append(',').append(fmt(y));
                dots.append("<circle cx=\"")
                        .append(fmt(x))
                        .append("\" cy=\"")
                        .append(fmt(y))
                        .append("\" r=\"3\" fill=\"")
                        .append(color)
                        .append("\"><title>")
                        .append(PrivacyReportHtml.esc(site.siteName() + ", round " + c.roundNumber()
                                + ": ε = " + c.epsilonAfterText() + " ("
                                + site.spent().unitLabel() + ", δ = "
                                + site.spent().deltaText() + ", " + site.spent().method() + "; "
                                + c.event().description()
                                + ")"))
                        .append("</title></circle>");
            }
            s.append("<polyline fill=\"none\" stroke=\"")
                    .append(color)
                    .append("\" stroke-width=\"2\" points=\"")
                    .append(pts)
                    .append("\"/>")
                    .append(dots)
                    .append('\n');
            double ly = top + 10 + i * 18;
            s.append("<line x1=\"")
                    .append(fmt(left + plotW + 14))
                    .append("\" x2=\"")
                    .append(fmt(left + plotW + 34))
                    .append("\" y1=\"")
                    .append(fmt(ly))
                    .append("\" y2=\"")
                    .append(fmt(ly))
                    .append("\" stroke=\"")
                    .append(color)
                    .append("\" stroke-width=\"2\"/><text x=\"")
                    .append(fmt(left + plotW + 40))
                    .append("\" y=\"")
                    .append(fmt(ly + 4))
                    .append("\">")
                    .append(PrivacyReportHtml.esc(shorten(site.siteName(), 18)))
                    .append("</text>\n");
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least x. */
    static double niceCeiling(double x) {
        double p = Math.pow(10, Math.floor(Math.log10(x)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= x) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
